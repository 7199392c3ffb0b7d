package dev.hookline.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs outgoing webhooks per the Standard Webhooks specification (standardwebhooks.com):
 * {@code webhook-signature} carries {@code v1,<base64 HMAC-SHA256>} of {@code <id>.<timestamp>.<body>},
 * one entry per secret so receivers can rotate keys without downtime.
 */
public final class StandardWebhooks {

  public static final String ID_HEADER = "webhook-id";
  public static final String TIMESTAMP_HEADER = "webhook-timestamp";
  public static final String SIGNATURE_HEADER = "webhook-signature";

  private static final String PREFIX = "whsec_";
  private static final String ALGORITHM = "HmacSHA256";
  // Below 24 bytes a key is too weak to trust; above 64 it exceeds the HMAC-SHA256 block and gets hashed down anyway.
  private static final int MIN_KEY_BYTES = 24;
  private static final int MAX_KEY_BYTES = 64;
  // Fixed text on purpose: echoing the input (or chaining the decoder's exception, which names the
  // offending character) would put secret material into logs.
  private static final String MALFORMED = "secret is not whsec_<base64>";

  // Raw bytes rather than the secret strings, so nothing printable is retained that could leak through
  // a debugger view, toString or a serialized dump.
  private final byte[][] keys;

  /**
   * @param secrets one or more {@code whsec_<base64>} secrets; every one signs each message, in this order
   * @throws IllegalArgumentException("secret is not whsec_<base64>") for a malformed secret — the message
   *     never includes the secret itself; also when the list is empty
   */
  public StandardWebhooks(List<String> secrets) {
    Objects.requireNonNull(secrets, "secrets");
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one secret is required");
    }
    byte[][] decoded = new byte[secrets.size()][];
    for (int i = 0; i < decoded.length; i++) {
      byte[] key = decode(secrets.get(i));
      if (key == null) {
        throw new IllegalArgumentException(MALFORMED);
      }
      decoded[i] = key;
    }
    this.keys = decoded;
  }

  /** The webhook-signature header value for this message: "v1,<b64>" per secret, space separated, in the order given. */
  public String signature(String messageId, long timestampSeconds, byte[] body) {
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(body, "body");
    byte[] prefix = (messageId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
    Base64.Encoder encoder = Base64.getEncoder();
    StringBuilder header = new StringBuilder();
    for (byte[] key : keys) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append("v1,").append(encoder.encodeToString(hmac(key, prefix, body)));
    }
    return header.toString();
  }

  /**
   * The secrets as text ({@code whsec_<base64>} and the bare base64), made only when asked, for
   * scrubbing what a receiver answers. Receivers never get them, but a misconfigured one may hold
   * and echo them.
   */
  public List<String> secretForms() {
    List<String> forms = new ArrayList<>(keys.length * 2);
    for (byte[] key : keys) {
      String encoded = Base64.getEncoder().encodeToString(key);
      forms.add(PREFIX + encoded);
      forms.add(encoded);
    }
    return forms;
  }

  /** True when the string is a well-formed secret (whsec_ + non-empty valid base64, decoded length 24..64 bytes). */
  public static boolean isValidSecret(String secret) {
    return decode(secret) != null;
  }

  /** Never reveals the secrets. */
  @Override
  public String toString() {
    return "StandardWebhooks[" + keys.length + (keys.length == 1 ? " secret]" : " secrets]");
  }

  /** The HMAC key, or null when the secret is malformed. */
  private static byte[] decode(String secret) {
    if (secret == null) {
      return null;
    }
    // The spec lets a bare base64 secret stand for itself, so the prefix is optional.
    String encoded = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
    if (encoded.isEmpty()) {
      return null;
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return key.length >= MIN_KEY_BYTES && key.length <= MAX_KEY_BYTES ? key : null;
  }

  private static byte[] hmac(byte[] key, byte[] prefix, byte[] body) {
    try {
      // A fresh Mac per call: instances are stateful and not thread-safe, and one signer is shared.
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      mac.update(prefix);
      mac.update(body);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      // Every Java SE platform must provide HmacSHA256, and the key is non-empty by construction.
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
