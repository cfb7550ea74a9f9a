"""One training step: ``n_critic`` discriminator updates, then one generator update.

Step modes:
- ``joint``: the fake batch of the last D update also serves the G update (one G forward).
- ``separate``: the G update draws a fresh latent batch and fake batch.
D always sees real and fake in separate forward passes, so batch norm never mixes them.

Everything stays on the device: the step returns a tensor of scalars and never syncs the host.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F

from ganbench.contracts.architecture import DOutput, Images, map_images
from ganbench.engine.device import autocast
from ganbench.engine.distributed import average_gradients
from ganbench.engine.setup import Setup
from ganbench.contracts.loss import GPenaltyInputs, PenaltyInputs, Targets
from ganbench.contracts.stabilizer import CriticInputs, StepInfo

SCALARS = ("d_loss_real", "d_loss_fake", "g_loss", "d_acc_real", "d_acc_fake", "d_penalty",
           "d_grad_norm", "g_grad_norm")


class AdversarialStep:
    """Runs steps of one Setup."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.n_critic = setup.settings.n_critic
        self.joint = setup.config.step_mode == "joint"
        # Every rank draws the global batch from the same generators and trains on its slice.
        self.global_batch = setup.config.batch_size
        self.shard = setup.ranks.shard(self.global_batch)
        local_batch = self.global_batch // setup.ranks.world_size
        # One target per D output: per sample, or per pack of samples judged jointly (PacGAN).
        outputs = local_batch // setup.d_pack
        self.base_targets = Targets(real=torch.ones(outputs, device=setup.device),
                                    fake=torch.zeros(outputs, device=setup.device))
        self.zero = torch.zeros((), device=setup.device)
        # The loss's, the architecture's and the stabilizers' penalties, each joining D's or G's loss.
        self.d_penalties = [p for p in setup.penalties if p.target == "discriminator"]
        self.g_penalties = [p for p in setup.penalties if p.target == "generator"] + \
            [p for stabilizer in setup.stabilizers for p in stabilizer.g_penalties()]
        # The stabilizers' own scalars (ADA's p) follow the engine's, in a fixed order.
        self.extra_scalars = [(stabilizer, name) for stabilizer in setup.stabilizers for name in stabilizer.scalars()]
        self.scalar_names = SCALARS + tuple(name for _, name in self.extra_scalars)
        if len(set(self.scalar_names)) != len(self.scalar_names):
            raise ValueError(f"stabilizer scalars clash with the step's: {self.scalar_names}")

    def __call__(self, info: StepInfo) -> torch.Tensor:
        """One step; returns ``scalar_names`` (SCALARS, then the stabilizers') as one tensor on the device."""
        for critic_step in range(self.n_critic):
            keep_graph = self.joint and critic_step == self.n_critic - 1
            d_stats, fake, z, y_fake, targets, real_seen = self.discriminator_step(info, keep_graph)
        if not self.joint:
            fake, z, y_fake = None, None, None
        g_loss, g_norm = self.generator_step(info, fake, z, y_fake, targets, real_seen)
        loss_real, loss_fake, accuracy_real, accuracy_fake, penalty, d_norm = d_stats
        extra = [stabilizer.scalars()[name].detach().float().to(self.zero.device)
                 for stabilizer, name in self.extra_scalars]
        return torch.stack([loss_real.float(), loss_fake.float(), g_loss.detach().float(), accuracy_real,
                            accuracy_fake, penalty.float(), d_norm, g_norm, *extra])

    # Dmain: tell real from fake.
    def discriminator_step(self, info: StepInfo, keep_graph: bool):
        setup = self.setup
        x_real, y_real = self.my_share(*setup.source.sample(self.global_batch))
        z, y_fake = self.my_share(setup.latent.latent(self.global_batch), setup.latent.labels(self.global_batch))
        grad_context = contextlib.nullcontext() if keep_graph else torch.no_grad()
        with autocast(setup.device, setup.config.precision):
            with grad_context:
                fake = setup.generator(z, y_fake if setup.conditional else None)
            real_in = self.d_input(setup.discriminator.prepare_real(x_real), info)
            fake_in = self.d_input(map_images(fake, torch.Tensor.detach), info)
            real_out = setup.discriminator(real_in, y_real if setup.conditional else None)
            fake_out = setup.discriminator(fake_in, y_fake if setup.conditional else None)
            targets = self.targets(info)
            loss_real, loss_fake = setup.loss.d_loss(real_out.logits.float(), fake_out.logits.float(), targets)
            auxiliary = self.auxiliary_loss(real_out, y_real) + self.auxiliary_loss(fake_out, y_fake)
            penalty = self.penalty(PenaltyInputs(setup.discriminator, real_in, fake_in, y_real, y_fake, info.step,
                                                 real_out, fake_out, setup.generator, z), info)
        total = loss_real + loss_fake + auxiliary + penalty
        setup.opt_d.zero_grad(set_to_none=True)
        total.backward()
        average_gradients(setup.discriminator, setup.ranks)
        grad_norm = total_grad_norm(setup.discriminator)
        setup.opt_d.step()
        setup.loss.after_d_step(setup.discriminator)
        for stabilizer in setup.stabilizers:
            stabilizer.after_d_step(setup.discriminator, info)
        with torch.no_grad():
            accuracy_real = (real_out.logits > 0).float().mean()
            accuracy_fake = (fake_out.logits < 0).float().mean()
        stats = (loss_real.detach(), loss_fake.detach(), accuracy_real, accuracy_fake, penalty.detach(), grad_norm)
        real_seen = (map_images(real_in, torch.Tensor.detach), y_real if setup.conditional else None)
        return stats, fake, z, y_fake, targets, real_seen

    # Gmain: make D call the fakes real.
    def generator_step(self, info: StepInfo, fake: Images | None, z: torch.Tensor | None,
                       y_fake: torch.Tensor | None, targets: Targets, real_seen: tuple):
        setup = self.setup
        setup.discriminator.requires_grad_(False)  # G's update needs no gradient for D's weights
        with autocast(setup.device, setup.config.precision):
            if fake is None:
                z, y_fake = self.my_share(setup.latent.latent(self.global_batch),
                                          setup.latent.labels(self.global_batch))
                fake = setup.generator(z, y_fake if setup.conditional else None)
            fake_in, labels = self.d_input(fake, info), y_fake if setup.conditional else None
            critic = self.g_critic(CriticInputs(setup.discriminator, setup.opt_d, setup.loss, targets, *real_seen,
                                                fake_in, labels), info)
            out = critic(fake_in, labels)
            chosen = self.g_samples(out.logits.detach(), info)
            kept = out if chosen is None else DOutput(*(None if part is None else part[chosen] for part in out))
            kept_targets = targets if chosen is None else Targets(targets.real[chosen], targets.fake[chosen])
            kept_labels = y_fake if chosen is None or y_fake is None else y_fake[chosen]
            loss = setup.loss.g_loss(kept.logits.float(), kept_targets) + self.auxiliary_loss(kept, kept_labels)
            # Greg: generator penalties (path length, latent consistency), trained on, kept out of the logged g_loss.
            penalty = self.g_penalty(GPenaltyInputs(setup.generator, setup.discriminator, z, y_fake, fake, out,
                                                    info.step), info)
        setup.discriminator.requires_grad_(True)
        setup.opt_g.zero_grad(set_to_none=True)
        (loss + penalty).backward()
        average_gradients(setup.generator, setup.ranks)
        grad_norm = total_grad_norm(setup.generator)
        setup.opt_g.step()
        for stabilizer in setup.stabilizers:
            stabilizer.after_g_step(setup.generator, info)
        return loss, grad_norm

    def my_share(self, x: torch.Tensor, y: torch.Tensor | None):
        """This rank's slice of a global batch (all of it in a single process)."""
        return x[self.shard], None if y is None else y[self.shard]

    def d_input(self, images: Images, info: StepInfo) -> Images:
        for stabilizer in self.setup.stabilizers:
            images = stabilizer.d_input_all(images, info)
        return images

    def g_critic(self, inputs: CriticInputs, info: StepInfo):
        """What judges G's fakes: the first critic a stabilizer offers (an unrolled D), else D itself."""
        for stabilizer in self.setup.stabilizers:
            critic = stabilizer.g_critic(inputs, info)
            if critic is not None:
                return critic
        return self.setup.discriminator

    def g_samples(self, logits: torch.Tensor, info: StepInfo) -> torch.Tensor | None:
        """The indices of the fakes that train G, narrowed by each stabilizer in turn (top-k)."""
        chosen = None
        for stabilizer in self.setup.stabilizers:
            seen = logits if chosen is None else logits[chosen]
            picked = stabilizer.g_samples(seen, info)
            if picked is not None:
                chosen = picked if chosen is None else chosen[picked]
        return chosen

    def targets(self, info: StepInfo) -> Targets:
        targets = self.base_targets
        for stabilizer in self.setup.stabilizers:
            targets = stabilizer.targets(targets, info)
        return targets

    def auxiliary_loss(self, out: DOutput, labels: torch.Tensor | None) -> torch.Tensor:
        """ACGAN's class cross-entropy, when D has an auxiliary classifier (Odena et al. 2017)."""
        if out.class_logits is None or labels is None:
            return self.zero
        return F.cross_entropy(out.class_logits.float(), labels)

    def penalty(self, inputs: PenaltyInputs, info: StepInfo) -> torch.Tensor:
        """D penalties due at this step, scaled by their interval (lazy regularization)."""
        return self.due_penalties(self.d_penalties, inputs, info)

    def g_penalty(self, inputs: GPenaltyInputs, info: StepInfo) -> torch.Tensor:
        """G penalties due at this step, scaled by their interval."""
        return self.due_penalties(self.g_penalties, inputs, info)

    def due_penalties(self, penalties, inputs, info: StepInfo) -> torch.Tensor:
        total = self.zero
        for penalty in penalties:
            if info.step % penalty.interval == 0:
                total = total + penalty.interval * penalty.compute(inputs)
        return total


def total_grad_norm(module: torch.nn.Module) -> torch.Tensor:
    """The L2 norm of all gradients of ``module``, on the device."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros((), device=next(module.parameters()).device)
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads))).float()
