import { loadConfig } from '../../platform/config/config.ts';
import { parseKey } from '../../platform/crypto/field-encryption.ts';
import { existingKey, keyFingerprint, showFingerprint, writeKeyFile } from '../../platform/crypto/master-key.ts';
import { rotateMasterKey } from '../../platform/crypto/rotate.ts';
import { migrate } from '../../platform/db/migrate.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withOpenDatabase } from '../runtime.ts';

export const keysCommand: Command = {
  name: 'keys',
  summary: "The master encryption key: 'fingerprint' names the configured key; 'rotate' re-encrypts everything under NEW_DATA_ENCRYPTION_KEY.",
  usage: 'cspr keys fingerprint | NEW_DATA_ENCRYPTION_KEY=… cspr keys rotate',
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, { min: 1, max: 1, names: "the sub-command ('fingerprint' or 'rotate')" });
    const config = loadConfig();
    if (positionals[0] === 'fingerprint') {
      const key = existingKey(config);
      if (!key) {
        io.err('cspr keys: no key is configured: set DATA_ENCRYPTION_KEY (a key file is made in DATA_DIR/secrets on the first start otherwise).');
        return 1;
      }
      io.out(showFingerprint(keyFingerprint(key)));
      return 0;
    }
    if (positionals[0] !== 'rotate') throw new UsageError(`Unknown sub-command '${positionals[0]}'; use 'fingerprint' or 'rotate'.`);
    if (!config.newDataEncryptionKey) throw new UsageError('Set NEW_DATA_ENCRYPTION_KEY to the new key (openssl rand -base64 32); the old one stays in DATA_ENCRYPTION_KEY or the key file.');
    const oldKey = existingKey(config);
    if (!oldKey) {
      io.err('cspr keys: no key is configured to rotate from: set DATA_ENCRYPTION_KEY to the key in use (or run this with the data folder that holds its key file).');
      return 1;
    }
    const newKey = parseKey(config.newDataEncryptionKey);
    const report = await withOpenDatabase(async (database) => {
      await migrate(database);
      return rotateMasterKey(database, oldKey, newKey, config.dataDir);
    });
    const printed = showFingerprint(keyFingerprint(newKey));
    if (report.wasComplete) io.out(`The rotation to the key with fingerprint ${printed} had already finished: nothing to re-encrypt.`);
    else io.out(`Re-encrypted ${report.reencrypted} values and file keys under the key with fingerprint ${printed}${report.alreadyDone ? ` (${report.alreadyDone} were already under it)` : ''}.`);
    if (config.dataEncryptionKey) {
      io.out('Now set DATA_ENCRYPTION_KEY to the new key on every instance, then start the service. Keep the old key with the backups made before today.');
    } else {
      // The key came from the data folder's key file: it now holds the new key.
      writeKeyFile(config.dataDir, newKey);
      io.out('The key file in DATA_DIR/secrets now holds the new key. Keep the old key with the backups made before today.');
    }
    const unreadable = Object.entries(report.unreadable);
    if (unreadable.length > 0) {
      io.err(`Some values open with neither key and were left as they were: ${unreadable.map(([c, n]) => `${n} in ${c}`).join(', ')}.`);
      return 1;
    }
    return 0;
  },
};
