package dev.hookline.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How a test send shows the receiver's headers: one field per name, repeated ones joined. */
@Timeout(10)
class TestSendResultTest {

  @Test
  void repeatedHeadersAreJoinedByCommaAndCookiesByLineUnderLowerCasedNames() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/json")
        .add("Vary", "Accept")
        .add("vary", "Origin")
        .add("Set-Cookie", "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT")
        .add("Set-Cookie", "b=2");

    Map<String, String> joined = TestSendResult.joined(headers);

    assertThat(joined).containsExactly(
        Map.entry("content-type", "application/json"),
        Map.entry("vary", "Accept, Origin"),
        Map.entry("set-cookie", "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nb=2"));
  }
}
