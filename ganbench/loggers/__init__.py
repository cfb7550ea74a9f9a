"""The built-in loggers, one module each, registered here through the same hook as a plugin's. Each
imports its tracker's package only when a run starts it, so ganbench needs none of them installed."""

from ganbench import hookimpl


@hookimpl
def register_loggers(register):
    from ganbench.loggers.mlflow_logger import MlflowLogger
    from ganbench.loggers.tensorboard import TensorBoardLogger
    from ganbench.loggers.wandb_logger import WandbLogger
    for logger in (TensorBoardLogger, MlflowLogger, WandbLogger):
        register(logger)
