"""Ways documents come in by themselves: worker, mail-in, hot folders."""
