// The doctor's AWS checks: who the credentials are, and the state bucket (reachable, in its region, versioned).
import { isExpiredSession } from '../clients/aws/expired-session.ts';
import { GetBucketVersioningCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { stateBucketOf } from '../home/place.ts';
import { errorMessage } from '../lab/errors.ts';
import type { DoctorDeps } from './doctor.ts';
import { fail, pass, POLICY, SETUP, type DoctorResult, type Outcome } from './result.ts';

export async function awsCredentials({ sts }: DoctorDeps): Promise<Outcome> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return pass(`account ${identity.Account ?? '?'} as ${identity.Arn ?? '?'}`);
  } catch (error) {
    const name = errorName(error);
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test(errorMessage(error))) {
      return fail(
        'no AWS credentials found',
        'Locally: `aws sso login` / `export AWS_PROFILE=...`. In GitHub Actions: aws-actions/configure-aws-credentials ' +
          `with role-to-assume and \`permissions: id-token: write\` on the job (${SETUP}, "AWS role").`,
      );
    }
    if (isExpiredSession(error)) {
      return fail(
        'the AWS credentials have expired',
        'Refresh them (`aws sso login`, or re-run the assume-role step).',
      );
    }
    return fail(
      `STS GetCallerIdentity failed: ${name}: ${errorMessage(error)}`,
      `Check the credentials in use (AWS_PROFILE, AWS_ACCESS_KEY_ID) and ${SETUP}, "AWS role".`,
    );
  }
}

export async function stateBucket({ lab, s3 }: DoctorDeps): Promise<DoctorResult[]> {
  const state = stateBucketOf(lab);
  if (!state) {
    return [
      {
        check: 'state-bucket',
        ok: false,
        detail: 'no state bucket given: AWS labs keep their Terraform state and manifest in S3',
        fix: `Pass --state-bucket (GitHub: the TSLAB_STATE_BUCKET variable); create the bucket as in ${SETUP}, "State bucket".`,
      },
    ];
  }
  const { bucket, region } = state;
  try {
    const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    if (head.BucketRegion && head.BucketRegion !== region) {
      return [
        {
          check: 'state-bucket',
          ok: false,
          detail: `bucket ${bucket} is in ${head.BucketRegion}, not ${region}`,
          fix: `Pass --state-region ${head.BucketRegion} (GitHub: the TSLAB_STATE_REGION variable).`,
        },
      ];
    }
  } catch (error) {
    return [{ check: 'state-bucket', ...bucketFailure(error, bucket, region) }];
  }
  const results: DoctorResult[] = [
    { check: 'state-bucket', ok: true, detail: `s3://${bucket} (${region}) reachable`, fix: '' },
  ];
  try {
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    results.push(
      versioning.Status === 'Enabled'
        ? {
            check: 'state-bucket-versioning',
            ...pass('versioning enabled: earlier state files can be recovered'),
          }
        : {
            check: 'state-bucket-versioning',
            ...fail(
              `versioning is ${versioning.Status ?? 'off'} on ${bucket}: a corrupted or deleted state file could not be recovered`,
              `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
            ),
          },
    );
  } catch (error) {
    results.push({
      check: 'state-bucket-versioning',
      ...fail(
        `could not read versioning of ${bucket}: ${errorName(error)}`,
        `Grant s3:GetBucketVersioning on arn:aws:s3:::${bucket} (${POLICY}).`,
      ),
    });
  }
  return results;
}

function bucketFailure(error: unknown, bucket: string, region: string): Outcome {
  const status = httpStatus(error);
  if (status === 404 || errorName(error) === 'NotFound' || errorName(error) === 'NoSuchBucket') {
    return fail(
      `bucket ${bucket} does not exist`,
      `Create it (versioned, encrypted, public access blocked): ${SETUP}, "State bucket".`,
    );
  }
  if (status === 403 || errorName(error) === 'Forbidden' || errorName(error) === 'AccessDenied') {
    return fail(
      `access to bucket ${bucket} denied`,
      `Grant the role s3:ListBucket on arn:aws:s3:::${bucket} and object access under tslab/* (${POLICY}).`,
    );
  }
  if (status === 301 || errorName(error) === 'PermanentRedirect') {
    return fail(`bucket ${bucket} is not in ${region}`, 'Pass --state-region with the bucket’s region.');
  }
  return fail(
    `HeadBucket ${bucket} failed: ${errorName(error)}: ${errorMessage(error)}`,
    `See ${SETUP}, "State bucket".`,
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

function httpStatus(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}
