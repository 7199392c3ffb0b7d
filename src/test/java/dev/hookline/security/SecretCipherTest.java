package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hookline.security.SecretCipher.DecryptionException;
import dev.hookline.security.SecretCipher.Sealed;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SecretCipherTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] SECRET = "whsec_s3cr3t-signing-key".getBytes(StandardCharsets.UTF_8);
  private static final UUID UUID_A = UUID.fromString("0b6f8a3e-2c1d-4e5f-8a9b-0c1d2e3f4a5b");
  private static final UUID UUID_B = UUID.fromString("7d1e2f3a-4b5c-4d6e-9f80-91a2b3c4d5e6");

  private static String newKey(int bytes) {
    byte[] key = new byte[bytes];
    RANDOM.nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  private static String newKey() {
    return newKey(32);
  }

  private static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  private static byte[] flip(byte[] bytes, int index) {
    byte[] copy = bytes.clone();
    copy[index] ^= 0x01;
    return copy;
  }

  private static SecretCipher cipher(String text) {
    return new SecretCipher(KeyRing.parseText(text));
  }

  // --- round trip and nonces ---

  @Test
  void roundTrips() {
    SecretCipher cipher = cipher("k1:" + newKey());

    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);

    assertThat(sealed.keyId()).isEqualTo("k1");
    assertThat(sealed.nonce()).hasSize(12);
    assertThat(sealed.ciphertext()).hasSize(SECRET.length + 16);
    assertThat(cipher.open(sealed, 7, UUID_A)).isEqualTo(SECRET);
  }

  @Test
  void roundTripsAnEmptySecret() {
    SecretCipher cipher = cipher("k1:" + newKey());

    Sealed sealed = cipher.seal(new byte[0], 7, UUID_A);

    assertThat(sealed.ciphertext()).hasSize(16);
    assertThat(cipher.open(sealed, 7, UUID_A)).isEmpty();
  }

  @Test
  void twoSealsOfTheSamePlaintextUseFreshNoncesAndDiffer() {
    SecretCipher cipher = cipher("k1:" + newKey());

    Sealed first = cipher.seal(SECRET, 7, UUID_A);
    Sealed second = cipher.seal(SECRET, 7, UUID_A);

    assertThat(first.nonce()).hasSize(12);
    assertThat(second.nonce()).hasSize(12);
    assertThat(first.nonce()).isNotEqualTo(second.nonce());
    assertThat(first.ciphertext()).isNotEqualTo(second.ciphertext());
    assertThat(first).isNotEqualTo(second);
    assertThat(cipher.open(first, 7, UUID_A)).isEqualTo(SECRET);
    assertThat(cipher.open(second, 7, UUID_A)).isEqualTo(SECRET);
  }

  // --- failures to open ---

  @Test
  void wrongKeyUnderTheSameIdFailsAuthentication() {
    Sealed sealed = cipher("k1:" + newKey()).seal(SECRET, 7, UUID_A);
    SecretCipher other = cipher("k1:" + newKey());

    assertThatThrownBy(() -> other.open(sealed, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("authentication failed");
  }

  @Test
  void unknownKeyIdIsNamed() {
    Sealed sealed = cipher("retired-2023:" + newKey()).seal(SECRET, 7, UUID_A);
    SecretCipher current = cipher("k2:" + newKey());

    assertThatThrownBy(() -> current.open(sealed, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .isInstanceOf(RuntimeException.class)
        .hasMessageContaining("unknown key id")
        .hasMessageContaining("retired-2023");
  }

  @Test
  void anEmptyRingCannotOpenAnything() {
    Sealed sealed = cipher("k1:" + newKey()).seal(SECRET, 7, UUID_A);

    assertThatThrownBy(() -> new SecretCipher(KeyRing.empty()).open(sealed, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("unknown key id 'k1'");
  }

  @Test
  void tamperedCiphertextBodyFails() {
    SecretCipher cipher = cipher("k1:" + newKey());
    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);
    Sealed tampered = new Sealed(sealed.keyId(), sealed.nonce(), flip(sealed.ciphertext(), 0));

    assertThatThrownBy(() -> cipher.open(tampered, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("authentication failed");
  }

  @Test
  void tamperedTagFails() {
    SecretCipher cipher = cipher("k1:" + newKey());
    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);
    byte[] ciphertext = sealed.ciphertext();
    Sealed tampered = new Sealed(sealed.keyId(), sealed.nonce(), flip(ciphertext, ciphertext.length - 1));

    assertThatThrownBy(() -> cipher.open(tampered, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("authentication failed");
  }

  @Test
  void truncatedCiphertextFails() {
    SecretCipher cipher = cipher("k1:" + newKey());
    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);
    Sealed truncated = new Sealed(sealed.keyId(), sealed.nonce(), new byte[5]);

    assertThatThrownBy(() -> cipher.open(truncated, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("shorter than the 16-byte tag");
  }

  @Test
  void tamperedNonceFails() {
    SecretCipher cipher = cipher("k1:" + newKey());
    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);
    Sealed tampered = new Sealed(sealed.keyId(), flip(sealed.nonce(), 5), sealed.ciphertext());

    assertThatThrownBy(() -> cipher.open(tampered, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("authentication failed");
  }

  @Test
  void nonceOfTheWrongLengthFails() {
    SecretCipher cipher = cipher("k1:" + newKey());
    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);
    Sealed shortNonce = new Sealed(sealed.keyId(), new byte[8], sealed.ciphertext());

    assertThatThrownBy(() -> cipher.open(shortNonce, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("nonce");
  }

  @Test
  void ciphertextCopiedToAnotherCredentialOfTheSameOrganizationFails() {
    SecretCipher cipher = cipher("k1:" + newKey());
    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);

    assertThatThrownBy(() -> cipher.open(sealed, 7, UUID_B))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("authentication failed");
  }

  @Test
  void ciphertextCopiedToAnotherOrganizationFails() {
    SecretCipher cipher = cipher("k1:" + newKey());
    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);

    assertThatThrownBy(() -> cipher.open(sealed, 8, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("authentication failed");
  }

  @Test
  void decryptionFailuresNeverCarryThePlaintextOrKey() {
    String key = newKey();
    SecretCipher cipher = cipher("k1:" + key);
    Sealed sealed = cipher.seal(SECRET, 7, UUID_A);
    String secretText = new String(SECRET, StandardCharsets.UTF_8);

    Throwable wrongRow = catchThrowable(() -> cipher.open(sealed, 8, UUID_A));

    assertThat(wrongRow).isInstanceOf(DecryptionException.class);
    assertThat(stackTrace(wrongRow)).doesNotContain(secretText).doesNotContain(key);
  }

  // --- rotation ---

  @Test
  void rotatedRingOpensOldSealsAndSealsUnderTheNewKey() {
    String oldKey = newKey();
    String newKey = newKey();
    Sealed before = cipher("old:" + oldKey).seal(SECRET, 7, UUID_A);
    SecretCipher rotated = cipher("new:" + newKey + ",old:" + oldKey);

    assertThat(rotated.open(before, 7, UUID_A)).isEqualTo(SECRET);

    Sealed after = rotated.seal(SECRET, 7, UUID_A);
    assertThat(after.keyId()).isEqualTo("new");
    assertThat(rotated.open(after, 7, UUID_A)).isEqualTo(SECRET);
    assertThat(cipher("new:" + newKey).open(after, 7, UUID_A)).isEqualTo(SECRET);
    assertThatThrownBy(() -> cipher("old:" + oldKey).open(after, 7, UUID_A))
        .isInstanceOf(DecryptionException.class)
        .hasMessageContaining("unknown key id 'new'");
  }

  // --- parsing ---

  @Test
  void parseKeepsOrderAndMakesTheFirstKeyActive() {
    KeyRing ring = KeyRing.parse(List.of("b:" + newKey(), "a:" + newKey(), "c.2_x-y:" + newKey()));

    assertThat(ring.isEmpty()).isFalse();
    assertThat(ring.activeKeyId()).isEqualTo("b");
    assertThat(ring.keyIds()).containsExactly("b", "a", "c.2_x-y");
    assertThat(ring.has("a")).isTrue();
    assertThat(ring.has("A")).isFalse();
    assertThat(ring.has(null)).isFalse();
  }

  @Test
  void badBase64IsRejectedWithoutEchoingTheKey() {
    String key = "not*base64!" + newKey();

    assertThatThrownBy(() -> KeyRing.parse(List.of("k1:" + newKey(), "k2:" + key)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("security.secretKeys entry 2: ")
        .hasMessageContaining("'k2'")
        .hasMessageContaining("base64")
        .hasNoCause()
        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(key).doesNotContain("not*base64!"));
  }

  @Test
  void sixteenByteKeyIsRejectedWithoutEchoingTheKey() {
    String key = newKey(16);

    assertThatThrownBy(() -> KeyRing.parse(List.of("short:" + key)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("security.secretKeys entry 1: ")
        .hasMessageContaining("'short'")
        .hasMessageContaining("16 bytes")
        .hasMessageContaining("32")
        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(key));
  }

  @Test
  void duplicateIdIsRejectedWithoutEchoingEitherKey() {
    String first = newKey();
    String second = newKey();

    assertThatThrownBy(() -> KeyRing.parse(List.of("k1:" + first, "k1:" + second)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("security.secretKeys entry 2: ")
        .hasMessageContaining("duplicate id 'k1'")
        .hasMessageContaining("entry 1")
        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(first).doesNotContain(second));
  }

  @Test
  void emptyIdIsRejectedWithoutEchoingTheKey() {
    String key = newKey();

    assertThatThrownBy(() -> KeyRing.parse(List.of(":" + key)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("security.secretKeys entry 1: ")
        .hasMessageContaining("id is empty")
        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(key));
  }

  @Test
  void missingColonIsRejectedWithoutEchoingTheBareKey() {
    String key = newKey();

    assertThatThrownBy(() -> KeyRing.parse(List.of("k1:" + newKey(), key)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("security.secretKeys entry 2: ")
        .hasMessageContaining("':'")
        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(key));
  }

  @Test
  void invalidIdsAreRejectedWithoutEchoingTheEntry() {
    String key = newKey();
    String tooLong = "x".repeat(33);

    for (String id : List.of(tooLong, "has space", "semi;colon", "slash/y")) {
      assertThatThrownBy(() -> KeyRing.parse(List.of(id + ":" + key)))
          .as("id %s", id)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("security.secretKeys entry 1: id must be 1..32 characters")
          .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(key));
    }
    assertThat(KeyRing.parse(List.of("x".repeat(32) + ":" + key)).activeKeyId()).hasSize(32);
  }

  @Test
  void blankEntryInAListIsRejected() {
    assertThatThrownBy(() -> KeyRing.parse(List.of("k1:" + newKey(), "  ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("security.secretKeys entry 2: entry is empty");
  }

  @Test
  void parseTextAcceptsCommasNewlinesSpacesAndComments() {
    String a = newKey();
    String b = newKey();
    String c = newKey();
    String d = newKey();
    String text = "# Hookline secret keys; the first is active\n"
        + "  a:" + a + " , b:" + b + "\r\n"
        + "\n"
        + "   # c:" + newKey() + " was retired\n"
        + "c:" + c + "\t d:" + d + ",\n";

    KeyRing ring = KeyRing.parseText(text);

    assertThat(ring.keyIds()).containsExactly("a", "b", "c", "d");
    assertThat(ring.activeKeyId()).isEqualTo("a");
    Sealed sealedUnderD = cipher("d:" + d).seal(SECRET, 1, UUID_B);
    assertThat(new SecretCipher(ring).open(sealedUnderD, 1, UUID_B)).isEqualTo(SECRET);
  }

  @Test
  void parseTextCountsEntriesNotLinesInErrors() {
    String key = newKey(16);

    assertThatThrownBy(() -> KeyRing.parseText("# header\na:" + newKey() + "\n\nb:" + key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("security.secretKeys entry 2: key 'b'")
        .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(key));
  }

  @Test
  void parseTextOfNothingIsEmpty() {
    assertThat(KeyRing.parseText(null).isEmpty()).isTrue();
    assertThat(KeyRing.parseText("").isEmpty()).isTrue();
    assertThat(KeyRing.parseText(" ,\n# only a comment\n").isEmpty()).isTrue();
    assertThat(KeyRing.parse(List.of()).isEmpty()).isTrue();
  }

  // --- toString ---

  @Test
  void toStringsNeverContainKeyMaterial() {
    String active = newKey();
    String old = newKey();
    KeyRing ring = KeyRing.parseText("new:" + active + ",old:" + old);
    Sealed sealed = new SecretCipher(ring).seal(SECRET, 7, UUID_A);

    assertThat(ring.toString())
        .contains("new").contains("old")
        .doesNotContain(active).doesNotContain(old);
    assertThat(sealed.toString())
        .isEqualTo("Sealed[keyId=new, nonce=12 bytes, ciphertext=" + (SECRET.length + 16) + " bytes]")
        .doesNotContain(active)
        .doesNotContain(Base64.getEncoder().encodeToString(sealed.ciphertext()));
    assertThat(KeyRing.empty().toString()).isEqualTo("KeyRing[empty]");
  }

  // --- Sealed value semantics ---

  @Test
  void sealedComparesArraysByContentAndCopiesThem() {
    byte[] nonce = new byte[12];
    byte[] ciphertext = {1, 2, 3};
    Sealed a = new Sealed("k1", nonce, ciphertext);
    Sealed b = new Sealed("k1", nonce.clone(), ciphertext.clone());

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(new Sealed("k2", nonce, ciphertext));
    assertThat(a).isNotEqualTo(new Sealed("k1", nonce, new byte[] {1, 2, 4}));

    ciphertext[0] = 9;
    a.nonce()[0] = 9;
    assertThat(a).isEqualTo(b);
  }

  // --- empty ring ---

  @Test
  void emptyRingHasNoActiveKeyAndCannotSeal() {
    KeyRing empty = KeyRing.empty();

    assertThat(empty.isEmpty()).isTrue();
    assertThat(empty.keyIds()).isEmpty();
    assertThat(empty.has("k1")).isFalse();
    assertThatThrownBy(empty::activeKeyId).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> new SecretCipher(empty).seal(SECRET, 7, UUID_A))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no encryption key configured");
  }
}
