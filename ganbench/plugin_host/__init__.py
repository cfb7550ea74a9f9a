"""The plugin host: how ganbench finds, checks, lists, installs and scaffolds plugins.

- hookspecs.py: the hooks a plugin may implement (one docstring each; docs/hooks.md is made from them);
- plugins.py: the plugin manager: built-ins and installed plugins (entry-point group ``ganbench``),
  loaded through the same hooks, each failure kept to its own plugin;
- registry.py: the components of each kind by qualified and bare name, with did-you-mean errors;
- catalogue.py: what is installed, cached so that ``--help`` and ``list`` import no plugin;
- install.py: ``ganbench plugins install/uninstall`` through pip;
- scaffold.py and scaffold_templates/: ``ganbench plugins new NAME``.

The commands that show these are in ganbench.commands (plugins.py, plugin_commands.py,
plugin_scaffold.py). Named so that it does not collide with the repository's plugins/ folder, which
holds the GAN families as packages of their own.
"""
