package dev.hookline.domain;

/** Credentials cannot be sealed or opened with the configured keys. */
public final class CredentialKeyException extends RuntimeException {
  public CredentialKeyException(String message) {
    super(message, null, false, false);
  }
}
