"""The built-in stabilizers, one module each, registered here through the same hook as a plugin's.

Each module cites the paper it implements. Two small bases carry what several share:
``targets.TargetStabilizer`` (refuses losses without real/fake targets) and
``neck.NeckStabilizer`` (inserts one layer before the discriminator's head).

At every point of the step the
engine calls them in ascending ``order`` (ties keep the order the user gave):

=====  ================  ======================================  =================================
order  name              point(s)                                why there
=====  ================  ======================================  =================================
10     spectral-norm     parametrize (D)                         before anything copies weights
20     ttur              optimizer_settings                      the user's --lr-g/--lr-d win after it
24     diffaug           d_input_all (real and fake, all scales) augment the clean images ...
25     ada               d_input_all; p from D's real outputs    ... (one of the two) ...
30     instance-noise    d_input (real and fake, every scale)    ... then add noise
40     label-smoothing   targets                                 smooth first ...
45     label-flip        targets                                 ... then swap the smoothed values
48     pac               d_spec, d_pack, d_input_all (last)      packs the finished single samples
50     minibatch-std     neck_layers                             first in the neck: clean features
55     d-noise           neck_layers                             noise on the features ...
60     dropout           neck_layers                             ... then dropout, right before the head
70     r1                penalties (real data, lazy)             an extra D loss term
72     lecam             penalties (the loss's own D outputs)    anchors from the loss's D pass
74     cr                penalties (D(x) against D(T(x)))        consistency on augmented inputs
75     zcr               penalties and g_penalties               consistency in latent space
80     topk              g_samples                               G learns from its best fakes
85     unrolled          g_critic                                G faces D after k lookahead steps
90     ema               parametrize (copies G), after_g_step,   last: copies G after every change
                         sampling_generator, checkpoint state
-      none              nothing                                 the explicit baseline for sweeps
=====  ================  ======================================  =================================

So the discriminator's neck reads ``features -> minibatch-std -> d-noise -> dropout -> head``.
docs/stabilizers.md has the same table with defaults and papers.
"""

from ganbench import hookimpl


@hookimpl
def register_stabilizers(register):
    # Imported here, not above: importing one stabilizer (ganbench.api imports minibatch_std and r1 for
    # their building blocks) must not import them all.
    from ganbench.stabilizers.ada import ADA
    from ganbench.stabilizers.baseline import NoStabilizer
    from ganbench.stabilizers.consistency import BalancedConsistency, LatentConsistency
    from ganbench.stabilizers.d_noise import DNoise
    from ganbench.stabilizers.diffaug import DiffAugment
    from ganbench.stabilizers.dropout import Dropout
    from ganbench.stabilizers.ema import EMA
    from ganbench.stabilizers.instance_noise import InstanceNoise
    from ganbench.stabilizers.label_flip import LabelFlip
    from ganbench.stabilizers.label_smoothing import LabelSmoothing
    from ganbench.stabilizers.lecam import LeCam
    from ganbench.stabilizers.minibatch_std import MinibatchStd
    from ganbench.stabilizers.pac import Pac
    from ganbench.stabilizers.r1 import R1
    from ganbench.stabilizers.spectral_norm import SpectralNorm
    from ganbench.stabilizers.topk import TopK
    from ganbench.stabilizers.ttur import TTUR
    from ganbench.stabilizers.unrolled import Unrolled
    for stabilizer in (NoStabilizer, SpectralNorm, TTUR, InstanceNoise, LabelSmoothing, LabelFlip, MinibatchStd,
                       DNoise, Dropout, R1, EMA, DiffAugment, ADA, LeCam, BalancedConsistency, LatentConsistency,
                       TopK, Pac, Unrolled):
        register(stabilizer)
