package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StandardWebhooksTest {

  // The specification's published test vector.
  private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long SPEC_TIMESTAMP = 1614265330L;
  private static final String SPEC_BODY = "{\"test\": 2432232314}";
  private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  private static final String SECRET_A = secretOf(32, 1);
  private static final String SECRET_B = secretOf(32, 2);
  private static final String SECRET_C = secretOf(32, 3);

  private static final long NOW = 1_700_000_000L;
  private static final String ID = "msg_2Lh9KRb0pzN4LePd3XiC8zzsTpe";
  private static final byte[] BODY = "{\"event\":\"order.paid\",\"amount\":\"12.50 €\"}".getBytes(StandardCharsets.UTF_8);

  // --- the spec vector ---------------------------------------------------------------------------

  @Test
  void specTestVectorMatchesExactly() {
    StandardWebhooks signer = new StandardWebhooks(List.of(SPEC_SECRET));

    String header = signer.signature(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.getBytes(StandardCharsets.UTF_8));

    assertThat(header).isEqualTo(SPEC_SIGNATURE);
  }

  @Test
  void independentVerifierAcceptsTheSpecVector() {
    // Guards the verifier itself: it must agree with the spec before it can judge the signer.
    assertThat(Verifier.verify(List.of(SPEC_SECRET), SPEC_SIGNATURE, SPEC_ID, Long.toString(SPEC_TIMESTAMP),
        SPEC_BODY.getBytes(StandardCharsets.UTF_8), SPEC_TIMESTAMP)).isTrue();
  }

  @Test
  void secretWithoutPrefixIsUsedAsBase64AsIs() {
    StandardWebhooks signer = new StandardWebhooks(List.of(SPEC_SECRET.substring("whsec_".length())));

    assertThat(signer.signature(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(SPEC_SIGNATURE);
  }

  // --- round trip through the independent verifier ------------------------------------------------

  @Test
  void producedSignatureVerifies() {
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, NOW, BODY);

    assertThat(header).matches("v1,[A-Za-z0-9+/]{43}=");
    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, Long.toString(NOW), BODY, NOW)).isTrue();
  }

  @Test
  void modifiedBodyFails() {
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, NOW, BODY);
    byte[] tampered = BODY.clone();
    tampered[tampered.length - 2] ^= 1;

    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, Long.toString(NOW), tampered, NOW)).isFalse();
  }

  @Test
  void modifiedIdFails() {
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, NOW, BODY);

    assertThat(Verifier.verify(List.of(SECRET_A), header, ID + "x", Long.toString(NOW), BODY, NOW)).isFalse();
  }

  @Test
  void modifiedTimestampFails() {
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, NOW, BODY);

    // Still inside the tolerance window, so only the HMAC can reject it.
    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, Long.toString(NOW + 1), BODY, NOW)).isFalse();
  }

  @Test
  void staleTimestampFails() {
    long stale = NOW - 301;
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, stale, BODY);

    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, Long.toString(stale), BODY, NOW)).isFalse();
  }

  @Test
  void futureTimestampBeyondToleranceFails() {
    long future = NOW + 301;
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, future, BODY);

    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, Long.toString(future), BODY, NOW)).isFalse();
  }

  @Test
  void timestampExactlyFiveMinutesOldStillVerifies() {
    long edge = NOW - 300;
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, edge, BODY);

    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, Long.toString(edge), BODY, NOW)).isTrue();
  }

  @Test
  void emptyBodySignsAndVerifies() {
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, NOW, new byte[0]);

    assertThat(header).startsWith("v1,");
    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, Long.toString(NOW), new byte[0], NOW)).isTrue();
    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, Long.toString(NOW), new byte[] {' '}, NOW)).isFalse();
  }

  // --- rotation ----------------------------------------------------------------------------------

  @Test
  void rotationHeaderCarriesOneEntryPerSecretInOrder() {
    String header = new StandardWebhooks(List.of(SECRET_A, SECRET_B)).signature(ID, NOW, BODY);

    String[] entries = header.split(" ", -1);
    assertThat(entries).hasSize(2).allSatisfy(e -> assertThat(e).matches("v1,[A-Za-z0-9+/]{43}="));
    assertThat(header).doesNotContain("  ").doesNotStartWith(" ").doesNotEndWith(" ");
    assertThat(entries[0]).isEqualTo(new StandardWebhooks(List.of(SECRET_A)).signature(ID, NOW, BODY));
    assertThat(entries[1]).isEqualTo(new StandardWebhooks(List.of(SECRET_B)).signature(ID, NOW, BODY));
  }

  @Test
  void rotationHeaderVerifiesWithEitherSecretButNotAThird() {
    String header = new StandardWebhooks(List.of(SECRET_A, SECRET_B)).signature(ID, NOW, BODY);
    String ts = Long.toString(NOW);

    assertThat(Verifier.verify(List.of(SECRET_A), header, ID, ts, BODY, NOW)).isTrue();
    assertThat(Verifier.verify(List.of(SECRET_B), header, ID, ts, BODY, NOW)).isTrue();
    assertThat(Verifier.verify(List.of(SECRET_C), header, ID, ts, BODY, NOW)).isFalse();
  }

  @Test
  void verifierRejectsUnknownSignatureVersion() {
    String header = new StandardWebhooks(List.of(SECRET_A)).signature(ID, NOW, BODY);

    assertThat(Verifier.verify(List.of(SECRET_A), "v2," + header.substring(3), ID, Long.toString(NOW), BODY, NOW))
        .isFalse();
  }

  // --- secret validation -------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {
      "not base64 at all!",                  // no prefix and not base64
      "whsec_",                              // prefix with nothing after it
      "whsec_!!!",                           // prefix, invalid base64
      "whsec_c2hvcnRTZWNyZXQ=",              // valid base64 but only 11 bytes
      "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRY=", // 23 bytes, one under the minimum
      "",
      "whsec_MfKQ9r8GKYqrTwjUPD8I LPZIo2LaLaSw", // embedded whitespace
  })
  void malformedSecretsAreRejectedWithoutEchoingThem(String secret) {
    assertThat(StandardWebhooks.isValidSecret(secret)).isFalse();

    assertThatThrownBy(() -> new StandardWebhooks(List.of(secret)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret is not whsec_<base64>")
        .hasNoCause()
        .satisfies(e -> {
          String payload = secret.startsWith("whsec_") ? secret.substring(6) : secret;
          if (!payload.isEmpty()) {
            assertThat(e.getMessage()).doesNotContain(payload);
          }
        });
  }

  @Test
  void tooLongSecretIsRejected() {
    assertThat(StandardWebhooks.isValidSecret(secretOf(65, 9))).isFalse();
    assertThat(StandardWebhooks.isValidSecret(secretOf(64, 9))).isTrue();
  }

  @Test
  void nullSecretIsRejected() {
    assertThat(StandardWebhooks.isValidSecret(null)).isFalse();
    List<String> withNull = new ArrayList<>();
    withNull.add(null);

    assertThatThrownBy(() -> new StandardWebhooks(withNull))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret is not whsec_<base64>");
  }

  @Test
  void oneBadSecretAmongGoodOnesRejectsTheWholeListWithoutLeakingAny() {
    assertThatThrownBy(() -> new StandardWebhooks(List.of(SECRET_A, "whsec_!!!")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("secret is not whsec_<base64>")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET_A.substring(6)));
  }

  @Test
  void emptySecretListIsRejected() {
    assertThatThrownBy(() -> new StandardWebhooks(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void validSecretsAreAccepted() {
    assertThat(StandardWebhooks.isValidSecret(SPEC_SECRET)).isTrue();
    assertThat(StandardWebhooks.isValidSecret(SECRET_A)).isTrue();
    assertThat(StandardWebhooks.isValidSecret(secretOf(24, 7))).isTrue();
  }

  @Test
  void toStringNeverRevealsSecrets() {
    StandardWebhooks two = new StandardWebhooks(List.of(SECRET_A, SPEC_SECRET));

    assertThat(two.toString())
        .isEqualTo("StandardWebhooks[2 secrets]")
        .doesNotContain(SECRET_A.substring(6))
        .doesNotContain(SPEC_SECRET.substring(6))
        .doesNotContain("whsec_");
    assertThat(new StandardWebhooks(List.of(SECRET_A))).hasToString("StandardWebhooks[1 secret]");
  }

  @Test
  void laterChangesToTheCallersListDoNotAffectTheSigner() {
    List<String> secrets = new ArrayList<>(List.of(SECRET_A));
    StandardWebhooks signer = new StandardWebhooks(secrets);
    String before = signer.signature(ID, NOW, BODY);

    secrets.set(0, SECRET_B);
    secrets.add(SECRET_C);

    assertThat(signer.signature(ID, NOW, BODY)).isEqualTo(before);
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** A {@code whsec_} secret whose key is {@code length} bytes derived from {@code seed}. */
  private static String secretOf(int length, int seed) {
    byte[] key = new byte[length];
    for (int i = 0; i < length; i++) {
      key[i] = (byte) (seed * 31 + i * 7);
    }
    return "whsec_" + Base64.getEncoder().encodeToString(key);
  }

  /**
   * A receiver-side verifier written from the specification alone. It never calls {@link StandardWebhooks},
   * so a bug shared by signer and test cannot make the round trip pass.
   */
  private static final class Verifier {
    private static final long TOLERANCE_SECONDS = 5 * 60;

    static boolean verify(List<String> secrets, String signatureHeader, String msgId, String timestampHeader,
        byte[] body, long nowSeconds) {
      long timestamp;
      try {
        timestamp = Long.parseLong(timestampHeader);
      } catch (NumberFormatException e) {
        return false;
      }
      if (Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) {
        return false;
      }
      byte[] signedContent = concat((msgId + "." + timestampHeader + ".").getBytes(StandardCharsets.UTF_8), body);
      for (String secret : secrets) {
        String b64 = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
        byte[] expected = hmacSha256(Base64.getDecoder().decode(b64), signedContent);
        for (String entry : signatureHeader.split(" ")) {
          int comma = entry.indexOf(',');
          if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
            continue;
          }
          byte[] presented;
          try {
            presented = Base64.getDecoder().decode(entry.substring(comma + 1));
          } catch (IllegalArgumentException e) {
            continue;
          }
          if (MessageDigest.isEqual(expected, presented)) {
            return true;
          }
        }
      }
      return false;
    }

    private static byte[] concat(byte[] a, byte[] b) {
      byte[] out = new byte[a.length + b.length];
      System.arraycopy(a, 0, out, 0, a.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }

    private static byte[] hmacSha256(byte[] key, byte[] data) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
      } catch (GeneralSecurityException e) {
        throw new AssertionError(e);
      }
    }
  }
}
