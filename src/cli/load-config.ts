// Loads the configuration for a command, warnings on stderr. The loader (and
// its TOML parser) is imported only here, so commands that never need it
// (`--version`, a boot-guarded lookup) never load it.
import type { Config } from '../config/types.js';
import { warn } from './io.js';
import type { GlobalOptions } from './program.js';

/** The Config named by `--config`, else by STNS_CONFIG, else the default path. */
export async function loadCliConfig(global: Pick<GlobalOptions, 'config'>): Promise<Config> {
  const { loadConfig } = await import('../config/index.js');
  return loadConfig(global.config, { warn });
}
