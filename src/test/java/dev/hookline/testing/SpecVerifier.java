package dev.hookline.testing;

import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A Standard Webhooks verifier written from the specification alone: it shares no code with
 * Hookline's signer, so a test that uses it checks the signer against the spec, not against itself.
 */
public final class SpecVerifier {
  public static final long TOLERANCE_SECONDS = 5 * 60;

  private SpecVerifier() {
  }

  /**
   * A receiver's check per the specification: webhook-signature is a space-separated list of
   * "version,signature"; a v1 signature is base64 HMAC-SHA256, keyed with the base64-decoded part
   * after "whsec_", of "{webhook-id}.{webhook-timestamp}.{raw body}"; the timestamp must be within
   * the tolerance of now. Any one matching signature is enough.
   */
  public static boolean verifies(String secret, MultiMap headers, String rawBody, long nowSeconds) {
    String id = headers.get("webhook-id");
    String timestamp = headers.get("webhook-timestamp");
    String signatures = headers.get("webhook-signature");
    if (id == null || timestamp == null || signatures == null) {
      return false;
    }
    long sentAt;
    try {
      sentAt = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(nowSeconds - sentAt) > TOLERANCE_SECONDS) {
      return false;
    }
    byte[] expected;
    try {
      byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      expected = mac.doFinal((id + "." + timestamp + "." + rawBody).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
    for (String entry : signatures.split(" ")) {
      int comma = entry.indexOf(',');
      if (comma < 0 || !"v1".equals(entry.substring(0, comma))) {
        continue;
      }
      byte[] given;
      try {
        given = Base64.getDecoder().decode(entry.substring(comma + 1));
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (MessageDigest.isEqual(expected, given)) {
        return true;
      }
    }
    return false;
  }

}
