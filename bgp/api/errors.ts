// gRPC status codes for the API: every rejected request carries a code a
// program can branch on and a message a person can act on (it quotes the
// offending value and says what was expected).

import { status, type ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';

export class ApiError extends Error {
  constructor(readonly code: status, message: string) {
    super(message);
  }
}

export const invalid = (msg: string) => new ApiError(status.INVALID_ARGUMENT, msg);
export const notFound = (msg: string) => new ApiError(status.NOT_FOUND, msg);
export const alreadyExists = (msg: string) => new ApiError(status.ALREADY_EXISTS, msg);
export const failedPrecondition = (msg: string) => new ApiError(status.FAILED_PRECONDITION, msg);

/** Any thrown value → a ServiceError for the callback / stream (bugs become INTERNAL). */
export function toServiceError(e: unknown): Partial<ServiceError> {
  const err = e instanceof ApiError ? e : new ApiError(status.INTERNAL, `internal error: ${(e as Error)?.message ?? String(e)}`);
  return { code: err.code, details: err.message, message: err.message, metadata: new Metadata() };
}
