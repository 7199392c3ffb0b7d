package dev.hookline.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.Origins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OriginsTest {

  @ParameterizedTest
  @CsvSource({
      "https://crm.example.com/hooks/calls?token=abc, https://crm.example.com",
      "http://127.0.0.1:8080/x, http://127.0.0.1:8080",
      "https://crm.example.com, https://crm.example.com",
      "https://user:pa55@crm.example.com:8443/p#frag, https://crm.example.com:8443",
      "HTTPS://CRM.Example.COM/Hooks, https://crm.example.com",
      "https://crm.example.com:443/x, https://crm.example.com",
      "http://crm.example.com:80/x, http://crm.example.com",
      "http://crm.example.com:443/x, http://crm.example.com:443",
      "http://crm.example.com:080/x, http://crm.example.com",
      "http://crm.example.com:/x, http://crm.example.com",
      "http://Under_Score.example.com:80/x, http://under_score.example.com",
      "https://under_score.example.com:8443/x, https://under_score.example.com:8443",
      "https://[::1]:8443/v6, https://[::1]:8443"})
  void reducesUrlToOneSpellingOfSchemeHostAndPort(String url, String origin) {
    assertThat(Origins.of(url)).isEqualTo(origin);
  }

  @ParameterizedTest
  @ValueSource(strings = {"not a url", "http://exa mple.com/x", "https://crm.example.com/%zz"})
  void unparsableUrlIsReportedAsInvalid(String url) {
    assertThat(Origins.of(url)).isEqualTo("<invalid url>");
  }

  @Test
  void nullUrlIsReportedAsInvalid() {
    assertThat(Origins.of(null)).isEqualTo("<invalid url>");
  }

  @Test
  void resultNeverContainsPathQueryOrUserInfo() {
    String origin = Origins.of("https://user:pa55@crm.example.com/tenant-42/hooks?token=abc&sig=xyz#frag");

    assertThat(origin).doesNotContain("tenant-42").doesNotContain("hooks").doesNotContain("token")
        .doesNotContain("abc").doesNotContain("xyz").doesNotContain("pa55").doesNotContain("user")
        .doesNotContain("frag");
  }

  @ParameterizedTest
  @ValueSource(strings = {"foo", "", "mailto:a@b.c", "//host/path"})
  void urlWithoutSchemeOrHostIsReportedAsInvalid(String url) {
    assertThat(Origins.of(url)).isEqualTo("<invalid url>");
  }

  @Test
  void registryAuthorityIsNeverPrintedAsNullHost() {
    assertThat(Origins.of("http://under_score.example.com/x")).doesNotContain("null");
  }
}
