package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link Redactor} cuts out of a receiver's answer. Pure: no I/O. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RedactorTest {
  private static final String MARK = Redactor.MARK;

  @Test
  void theMarkIsTheDocumentedOne() {
    assertThat(MARK).isEqualTo("[redacted]");
    assertThat(Redactor.MIN_SECRET_CHARS).isEqualTo(4);
  }

  @Test
  void replacesEverySecretWhereverItOccurs() {
    Redactor redactor = Redactor.of(List.of("s3cr3t-token", "api-key-42"));

    assertThat(redactor.scrub("token=s3cr3t-token key=api-key-42 again s3cr3t-token."))
        .isEqualTo("token=" + MARK + " key=" + MARK + " again " + MARK + ".");
    assertThat(redactor.scrub("s3cr3t-token")).isEqualTo(MARK);
    assertThat(redactor.scrub("s3cr3t-tokens3cr3t-token")).isEqualTo(MARK + MARK);
  }

  @Test
  void replacesTheJsonEscapedFormsOfASecret() {
    String secret = "ab/c\"d\\e-secret";
    Redactor redactor = Redactor.of(List.of(secret));

    // As most JSON writers put it (quote and backslash escaped) ...
    assertThat(redactor.scrub("{\"token\":\"ab/c\\\"d\\\\e-secret\"}")).isEqualTo("{\"token\":\"" + MARK + "\"}");
    // ... with "/" escaped too, as PHP's json_encode does ...
    assertThat(redactor.scrub("{\"token\":\"ab\\/c\\\"d\\\\e-secret\"}")).isEqualTo("{\"token\":\"" + MARK + "\"}");
    // ... and raw.
    assertThat(redactor.scrub("token: ab/c\"d\\e-secret\n")).isEqualTo("token: " + MARK + "\n");
    // All three in one text.
    assertThat(redactor.scrub("ab/c\"d\\e-secret|ab\\/c\\\"d\\\\e-secret|ab/c\\\"d\\\\e-secret|"))
        .isEqualTo(MARK + "|" + MARK + "|" + MARK + "|");
  }

  @Test
  void replacesTheLongestSecretFirst() {
    String expected = "Authorization: " + MARK + "\nagain: " + MARK;
    String text = "Authorization: Bearer tok-123456\nagain: tok-123456";

    // Whatever the order given, "Bearer <token>" goes whole rather than leaving "Bearer " behind.
    assertThat(Redactor.of(List.of("tok-123456", "Bearer tok-123456")).scrub(text)).isEqualTo(expected);
    assertThat(Redactor.of(List.of("Bearer tok-123456", "tok-123456")).scrub(text)).isEqualTo(expected);
    // A secret inside another: the outer one is taken whole.
    assertThat(Redactor.of(List.of("pass", "user:pass")).scrub("decoded user:pass")).isEqualTo("decoded " + MARK);
  }

  @Test
  void aSecretCutOffAtTheEndOfATruncatedExcerptIsRedactedAsFarAsItGoes() {
    Redactor redactor = Redactor.of(List.of("Bearer tok-123456", "tok-123456"));

    assertThat(redactor.scrub("xxxx Authorization: Bearer tok-12")).isEqualTo("xxxx Authorization: " + MARK);
    assertThat(redactor.scrub("xxxx Authorization: Bear")).isEqualTo("xxxx Authorization: " + MARK);
    assertThat(redactor.scrub("xxxx token=tok-12345")).isEqualTo("xxxx token=" + MARK);
    // Exactly four characters of the secret are enough.
    assertThat(redactor.scrub("xxxx token=tok-")).isEqualTo("xxxx token=" + MARK);
    // A whole secret earlier in the text and a cut one at the end.
    assertThat(redactor.scrub("tok-123456 then tok-1")).isEqualTo(MARK + " then " + MARK);
    // The JSON-escaped form, cut inside its escapes.
    assertThat(Redactor.of(List.of("ab/cd\"ef-secret")).scrub("{\"t\":\"ab\\/cd\\"))
        .isEqualTo("{\"t\":\"" + MARK);
  }

  @Test
  void fewerThanFourCharactersAtTheEndAreNotTakenForACutOffSecret() {
    Redactor redactor = Redactor.of(List.of("tok-123456"));

    assertThat(redactor.scrub("xxxx token=tok")).isEqualTo("xxxx token=tok");
    assertThat(redactor.scrub("xxxx token=t")).isEqualTo("xxxx token=t");
    // Only the end of the text can be a cut: a prefix elsewhere is left alone.
    assertThat(redactor.scrub("tok-1 is not the token")).isEqualTo("tok-1 is not the token");
  }

  @Test
  void secretsShorterThanFourCharactersAreLeftAlone() {
    Redactor redactor = Redactor.of(List.of("abc", "xy", "z"));

    assertThat(redactor.scrub("abc xy z abcxyz")).isEqualTo("abc xy z abcxyz");
    assertThat(redactor.scrub("ends in ab")).isEqualTo("ends in ab");
    // Four characters is the shortest secret that is cut out.
    assertThat(Redactor.of(List.of("abcd", "abc")).scrub("1 abcd 2 abc")).isEqualTo("1 " + MARK + " 2 abc");
  }

  @Test
  void nullStaysNullAndEmptyStaysEmpty() {
    Redactor redactor = Redactor.of(List.of("s3cr3t-token"));

    assertThat(redactor.scrub(null)).isNull();
    assertThat(redactor.scrub("")).isEmpty();
    assertThat(Redactor.NONE.scrub(null)).isNull();
  }

  @Test
  void withoutSecretsTextIsUnchanged() {
    String text = "Authorization: Bearer whatever";

    assertThat(Redactor.NONE.scrub(text)).isSameAs(text);
    assertThat(Redactor.of(List.of()).scrub(text)).isSameAs(text);
    // Null secrets (a credential field that was absent) are skipped, not matched.
    assertThat(Redactor.of(Arrays.asList(null, "", "s3cr3t-token")).scrub(text + " s3cr3t-token"))
        .isEqualTo(text + " " + MARK);
  }

  @Test
  void textWithoutAnySecretIsUnchanged() {
    Redactor redactor = Redactor.of(List.of("s3cr3t-token"));
    String text = "{\"error\":\"service unavailable\"}";

    assertThat(redactor.scrub(text)).isEqualTo(text);
  }

  @Test
  void replacesTheFormsOtherJsonEncodersWrite() {
    String secret = "p\u00e4ss&<word>\tend";
    Redactor redactor = Redactor.of(List.of(secret));

    // Python's default (non-ASCII as backslash-u), Go's (& < > as backslash-u), and a tab as backslash-t.
    String python = "{\"h\": \"p\\u00e4ss\\u0026\\u003cword\\u003e\\tend\"}";
    String plainJson = "{\"h\": \"p\u00e4ss&<word>\\tend\"}";

    assertThat(redactor.scrub(python)).isEqualTo("{\"h\": \"[redacted]\"}");
    assertThat(redactor.scrub(plainJson)).isEqualTo("{\"h\": \"[redacted]\"}");
  }

  @Test
  void theLongestCutOffTailIsRedactedWhicheverSecretItBelongsTo() {
    Redactor redactor = Redactor.of(List.of("abcd-the-other-long-secret", "key-abcd-secret"));

    assertThat(redactor.scrub("... key-abcd")).isEqualTo("... [redacted]");
  }

  @Test
  void aLatin1SecretEchoedAsRawBytesIsRecognisedToo() {
    Redactor redactor = Redactor.of(List.of("geheim-schl\u00fcssel-123"));

    assertThat(redactor.scrub("echo: geheim-schl\uFFFDssel-123")).isEqualTo("echo: [redacted]");
  }
}
