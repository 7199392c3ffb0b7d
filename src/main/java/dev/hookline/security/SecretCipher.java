package dev.hookline.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals credential secrets at rest with AES-256-GCM. Safe to share between threads: a
 * {@link Cipher} is created per call because Cipher instances are not thread-safe, while
 * {@link SecureRandom} is.
 */
public final class SecretCipher {
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  static final int NONCE_BYTES = 12;
  static final int TAG_BITS = 128;
  // Part of the stored format: every existing row was sealed with this prefix, so changing it
  // means a new version tag and a migration, not an edit.
  private static final String AAD_PREFIX = "hookline-credential:v1:";

  private final KeyRing keys;
  private final SecureRandom random = new SecureRandom();

  public SecretCipher(KeyRing keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  /**
   * Encrypts under the active key with a fresh random 96-bit nonce. The associated data binds the
   * result to (organizationId, credentialUuid), so a ciphertext copied to another row fails to
   * open there.
   *
   * @throws IllegalStateException when the ring has no keys
   */
  public Sealed seal(byte[] plaintext, long organizationId, UUID credentialUuid) {
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(credentialUuid, "credentialUuid");
    if (keys.isEmpty()) {
      throw new IllegalStateException("no encryption key configured");
    }
    String keyId = keys.activeKeyId();
    // GCM loses both confidentiality and integrity if a nonce ever repeats under one key; random
    // 96-bit nonces keep that negligible for far more seals than one key will ever see.
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.ENCRYPT_MODE, keys.key(keyId), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad(organizationId, credentialUuid));
      return new Sealed(keyId, nonce, cipher.doFinal(plaintext));
    } catch (GeneralSecurityException e) {
      // Every Java 17 runtime must provide AES/GCM; getting here means a broken JRE, not bad input.
      throw new IllegalStateException("AES-GCM encryption is unavailable", e);
    }
  }

  /**
   * Decrypts and verifies a sealed secret for the row it is being read from.
   *
   * @throws DecryptionException when the key id is unknown or authentication fails (tampered
   *     nonce or ciphertext, wrong key, or a different organization/credential than it was sealed
   *     for)
   */
  public byte[] open(Sealed sealed, long organizationId, UUID credentialUuid) {
    Objects.requireNonNull(sealed, "sealed");
    Objects.requireNonNull(credentialUuid, "credentialUuid");
    SecretKey key = keys.key(sealed.keyId());
    if (key == null) {
      throw new DecryptionException("unknown key id '" + sealed.keyId()
          + "'; it is not in the configured key ring " + keys.keyIds());
    }
    byte[] nonce = sealed.nonce();
    if (nonce.length != NONCE_BYTES) {
      throw new DecryptionException("authentication failed under key id '" + sealed.keyId()
          + "': nonce is " + nonce.length + " bytes, expected " + NONCE_BYTES);
    }
    byte[] ciphertext = sealed.ciphertext();
    // Checked here because JDK 17's GCM reports input shorter than the tag as an unchecked
    // ProviderException rather than AEADBadTagException.
    if (ciphertext.length < TAG_BITS / 8) {
      throw new DecryptionException("authentication failed under key id '" + sealed.keyId()
          + "': ciphertext is " + ciphertext.length + " bytes, shorter than the "
          + TAG_BITS / 8 + "-byte tag");
    }
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad(organizationId, credentialUuid));
      return cipher.doFinal(ciphertext);
    } catch (AEADBadTagException e) {
      // GCM cannot tell these causes apart, and saying which one it was would help an attacker.
      throw new DecryptionException("authentication failed under key id '" + sealed.keyId()
          + "': ciphertext or nonce altered, wrong key, or sealed for a different "
          + "organization/credential", e);
    } catch (GeneralSecurityException e) {
      throw new DecryptionException("cannot decrypt under key id '" + sealed.keyId() + "': "
          + e.getClass().getSimpleName(), e);
    }
  }

  private static byte[] aad(long organizationId, UUID credentialUuid) {
    return (AAD_PREFIX + organizationId + ":" + credentialUuid).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * What gets stored: the key id, the nonce, and the ciphertext with its 128-bit GCM tag appended.
   * Arrays are copied in and out so a sealed value cannot change after it has been hashed or
   * compared.
   */
  public record Sealed(String keyId, byte[] nonce, byte[] ciphertext) {
    public Sealed {
      Objects.requireNonNull(keyId, "keyId");
      nonce = Objects.requireNonNull(nonce, "nonce").clone();
      ciphertext = Objects.requireNonNull(ciphertext, "ciphertext").clone();
    }

    @Override
    public byte[] nonce() {
      return nonce.clone();
    }

    @Override
    public byte[] ciphertext() {
      return ciphertext.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Sealed other
          && keyId.equals(other.keyId)
          && Arrays.equals(nonce, other.nonce)
          && Arrays.equals(ciphertext, other.ciphertext);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * keyId.hashCode() + Arrays.hashCode(nonce)) + Arrays.hashCode(ciphertext);
    }

    /** Lengths only: the ciphertext is harmless without a key, but logs are no place for it. */
    @Override
    public String toString() {
      return "Sealed[keyId=" + keyId + ", nonce=" + nonce.length + " bytes, ciphertext="
          + ciphertext.length + " bytes]";
    }
  }

  /** A sealed secret could not be opened; the message says why, never what the secret was. */
  public static final class DecryptionException extends RuntimeException {
    DecryptionException(String message) {
      super(message);
    }

    DecryptionException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
