import S3rver from '@20minutes/s3rver';
import type { FileStoreConfig } from '../../src/platform/config/config.ts';
import { freshDir } from './database.ts';

export type TestS3 = { endpoint: string; bucket: string; config: Extract<FileStoreConfig, { backend: 's3' }>; env: Record<string, string>; close(): Promise<void> };

/** s3rver's built-in account. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * A real S3-compatible server on a loopback port (s3rver, keeping objects in a test folder), with
 * one bucket made for the test; it checks request signatures as S3 does.
 */
export async function startS3Server(bucket = 'cspr-test'): Promise<TestS3> {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: freshDir('s3'), configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const config = { backend: 's3' as const, bucket, endpoint, region: 'us-east-1', prefix: 'files/', forcePathStyle: true, credentials: S3_CREDENTIALS };
  return {
    endpoint,
    bucket,
    config,
    env: { FILE_STORE: 's3', S3_BUCKET: bucket, S3_ENDPOINT: endpoint, S3_PREFIX: 'files/', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' },
    async close() {
      // The S3 client keeps connections open: end them, or closing waits for them.
      server.httpServer.closeAllConnections();
      await server.close();
    },
  };
}
