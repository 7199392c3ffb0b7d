package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hookline.domain.CustomHeader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderFilterTest {

  @ParameterizedTest
  @ValueSource(strings = {"Authorization", "authorization", "X-Custom-Auth-Token", "X-Api-Key", "X-API_KEY", "ApiKey",
      "X-Access-Key", "Cookie", "Set-Cookie", "X-Secret", "X-Password", "X-Passwd", "X-Credential-Id",
      "Proxy-Authorization", "X-Auth", "  AUTHORIZATION  "})
  void secretLookingHeadersAreDropped(String name) {
    assertThat(HeaderFilter.isSecret(name)).isTrue();
    HeaderFilter.Filtered filtered = HeaderFilter.filter(List.of(new CustomHeader(name, "v")));
    assertThat(filtered.kept()).isEmpty();
    assertThat(filtered.dropped()).containsExactly(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"X-Idempotency-Key", "X-Source", "Content-Language", "X-Request-Id", "Key"})
  void ordinaryHeadersAreKept(String name) {
    assertThat(HeaderFilter.isSecret(name)).isFalse();
    HeaderFilter.Filtered filtered = HeaderFilter.filter(List.of(new CustomHeader(name, "v")));
    assertThat(filtered.kept()).containsExactly(new CustomHeader(name, "v"));
    assertThat(filtered.dropped()).isEmpty();
  }

  @Test
  void filterKeepsOrderAndListsDroppedNamesAsGiven() {
    List<CustomHeader> input = List.of(
        new CustomHeader("X-Source", "workflow"),
        new CustomHeader("authorization", "Bearer x"),
        new CustomHeader("X-Request-Id", "r1"),
        new CustomHeader("X-API_KEY", "k"),
        new CustomHeader("X-Idempotency-Key", "abc"));

    HeaderFilter.Filtered filtered = HeaderFilter.filter(input);

    assertThat(filtered.kept()).containsExactly(
        new CustomHeader("X-Source", "workflow"),
        new CustomHeader("X-Request-Id", "r1"),
        new CustomHeader("X-Idempotency-Key", "abc"));
    assertThat(filtered.dropped()).containsExactly("authorization", "X-API_KEY");
  }

  @Test
  void emptyInputGivesEmptyLists() {
    HeaderFilter.Filtered filtered = HeaderFilter.filter(List.of());

    assertThat(filtered.kept()).isEmpty();
    assertThat(filtered.dropped()).isEmpty();
  }
}
