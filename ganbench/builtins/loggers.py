"""The built-in loggers, registered through the same hook as a plugin's. Each imports its tracker's
package only when a run starts it, so ganbench needs none of them installed."""

from ganbench import hookimpl
from ganbench.loggers.mlflow_logger import MlflowLogger
from ganbench.loggers.tensorboard import TensorBoardLogger
from ganbench.loggers.wandb_logger import WandbLogger


@hookimpl
def register_loggers(register):
    register(TensorBoardLogger)
    register(MlflowLogger)
    register(WandbLogger)
