package dev.hookline.domain;

import java.util.UUID;

/** The credential uuid is taken by another organization; nothing was written. */
public final class CredentialConflictException extends RuntimeException {
  public CredentialConflictException(UUID uuid) {
    super("credential " + uuid + " belongs to another organization", null, false, false);
  }
}
