package dev.hookline.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hookline.domain.PayloadTooLargeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TemplateRendererTest {

  // A Sunday in UTC, but already Monday in UTC+14 and still Saturday in UTC-11.
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-29T10:58:59Z"), ZoneOffset.UTC);

  private final TemplateRenderer renderer = new TemplateRenderer(CLOCK);

  private final JsonObject context =
      new JsonObject()
          .put("customer_name", "Ada")
          .put("first_name", "Top")
          .put("empty", "")
          .putNull("nothing")
          .put(
              "order",
              new JsonObject()
                  .put("id", 9)
                  .put("total", 3.5)
                  .put("paid", true)
                  .put("items", new JsonArray().add(1).add(2)))
          .put("initial_context", new JsonObject().put("first_name", "Grace"));

  private String render(String text) {
    return renderer.renderString(text, context);
  }

  @Test
  void rendersSimplePath() {
    assertThat(render("Hi {{ customer_name }}!")).isEqualTo("Hi Ada!");
  }

  @Test
  void rendersNestedPath() {
    assertThat(render("Order {{ order.id }}")).isEqualTo("Order 9");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[{{ missing }}]",
        "[{{ order.missing }}]",
        "[{{ order.missing.deeper }}]",
        "[{{ customer_name.first }}]",
        "[{{ nothing }}]"
      })
  void missingOrNonObjectStepRendersEmpty(String template) {
    assertThat(render(template)).isEqualTo("[]");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{customer_name}}",
        "{{ customer_name }}",
        "{{   customer_name\t}}",
        "{{customer_name|x}}",
        "{{ customer_name |x}}"
      })
  void spacesAroundPathAndPipeAreOptional(String template) {
    assertThat(render(template)).isEqualTo("Ada");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{ missing | not given }}",
        "{{missing|not given}}",
        "{{ nothing | not given }}",
        "{{ empty | not given }}"
      })
  void defaultReplacesNullAndEmptyValues(String template) {
    assertThat(render(template)).isEqualTo("not given");
  }

  @Test
  void defaultIsIgnoredWhenValueIsPresent() {
    assertThat(render("{{ customer_name | nobody }}")).isEqualTo("Ada");
    assertThat(render("{{ order.id | 0 }}")).isEqualTo("9");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{ missing | fallback:Dear customer }}",
        "{{ missing | fallback: Dear customer }}",
        "{{ missing | fallback : Dear customer }}",
        "{{ missing|fallback :Dear customer}}",
        "{{ empty|fallback:Dear customer}}"
      })
  void fallbackWithTextRendersThatText(String template) {
    assertThat(render(template)).isEqualTo("Dear customer");
  }

  @ParameterizedTest
  @CsvSource({
    "{{ contact_name | fallback }}, Contact Name",
    "{{ initial_context.last_name | fallback }}, Last Name",
    "{{ ship-to_CITY | fallback }}, Ship To City",
    "{{ customer_name | fallback }}, Ada"
  })
  void bareFallbackRendersTitleCasedPathWhenValueMissing(String template, String expected) {
    assertThat(render(template)).isEqualTo(expected);
  }

  @Test
  void initialContextPathFallsBackToTopLevel() {
    assertThat(render("{{ initial_context.customer_name }}")).isEqualTo("Ada");
    assertThat(render("{{ initial_context.order.id }}")).isEqualTo("9");
  }

  @Test
  void initialContextValueIsPreferredWhenPresent() {
    assertThat(render("{{ initial_context.first_name }}")).isEqualTo("Grace");
  }

  @Test
  void currentTimeRendersUtc() {
    assertThat(render("{{ current_time }}")).isEqualTo("2026-11-29 10:58:59 UTC");
  }

  @ParameterizedTest
  @CsvSource({
    "America/New_York, 2026-11-29 05:58:59 EST",
    "Asia/Tokyo, 2026-11-29 19:58:59 JST",
    "UTC, 2026-11-29 10:58:59 UTC"
  })
  void currentTimeInZone(String zone, String expected) {
    assertThat(render("{{ current_time_" + zone + " }}")).isEqualTo(expected);
  }

  @Test
  void currentTimeNameIsReservedOverContext() {
    JsonObject shadowing = new JsonObject().put("current_time", "from context");
    assertThat(renderer.renderString("{{ current_time }}", shadowing))
        .isEqualTo("2026-11-29 10:58:59 UTC");
  }

  @Test
  void currentTimeWithInvalidZoneRendersEmptyOrDefault() {
    assertThat(render("[{{ current_time_Mars/Olympus }}]")).isEqualTo("[]");
    assertThat(render("[{{ current_time_ }}]")).isEqualTo("[]");
    assertThat(render("{{ current_time_Mars/Olympus | unknown }}")).isEqualTo("unknown");
  }

  @Test
  void currentWeekdayDefaultsToUtc() {
    assertThat(render("{{ current_weekday }}")).isEqualTo("Sunday");
  }

  @Test
  void currentWeekdayFollowsFirstCurrentTimeZoneInSameString() {
    assertThat(render("{{ current_time_Pacific/Kiritimati }} ({{ current_weekday }})"))
        .startsWith("2026-11-30 00:58:59")
        .endsWith("(Monday)");
    assertThat(render("{{ current_weekday }} {{ current_time_Pacific/Kiritimati }}"))
        .startsWith("Monday ");
    assertThat(
            render(
                "{{ current_time_Pacific/Pago_Pago }} {{ current_time_Pacific/Kiritimati }}"
                    + " {{ current_weekday }}"))
        .endsWith(" Saturday");
  }

  @Test
  void currentWeekdayIgnoresZonesOfOtherStrings() {
    render("{{ current_time_Pacific/Kiritimati }}");
    assertThat(render("{{ current_weekday }}")).isEqualTo("Sunday");
  }

  @Test
  void currentWeekdayFallsBackToUtcWhenFirstZoneIsInvalid() {
    assertThat(render("{{ current_time_Bad/Zone }}{{ current_weekday }}")).isEqualTo("Sunday");
  }

  @ParameterizedTest
  @CsvSource({
    "Pacific/Kiritimati, Monday",
    "America/New_York, Sunday",
    "Pacific/Pago_Pago, Saturday"
  })
  void currentWeekdayInZone(String zone, String expected) {
    assertThat(render("{{ current_weekday_" + zone + " }}")).isEqualTo(expected);
  }

  @Test
  void currentWeekdayWithInvalidZoneRendersEmpty() {
    assertThat(render("[{{ current_weekday_Mars/Olympus }}]")).isEqualTo("[]");
    assertThat(render("{{ current_weekday_Mars/Olympus | someday }}")).isEqualTo("someday");
  }

  @Test
  void objectAndArrayValuesRenderAsCompactJson() {
    assertThat(render("{{ order }}"))
        .isEqualTo("{\"id\":9,\"total\":3.5,\"paid\":true,\"items\":[1,2]}");
    assertThat(render("{{ order.items }}")).isEqualTo("[1,2]");
  }

  @Test
  void rawMapAndListInContextAreTraversedAndEncoded() {
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("k", "v");
    raw.put("list", new ArrayList<>(List.of(1, "two")));
    JsonObject ctx = new JsonObject(new LinkedHashMap<>(Map.of("raw", raw)));

    assertThat(renderer.renderString("{{ raw.k }}", ctx)).isEqualTo("v");
    assertThat(renderer.renderString("{{ raw }}", ctx)).isEqualTo("{\"k\":\"v\",\"list\":[1,\"two\"]}");
    assertThat(renderer.renderString("{{ raw.list }}", ctx)).isEqualTo("[1,\"two\"]");
  }

  @ParameterizedTest
  @CsvSource({"order.id, 9", "order.total, 3.5", "order.paid, true"})
  void numbersAndBooleansRenderAsJsonText(String path, String expected) {
    assertThat(render("{{ " + path + " }}")).isEqualTo(expected);
  }

  @Test
  void escapedNewlineBecomesRealNewline() {
    assertThat(render("line one\\nline two")).isEqualTo("line one\nline two");
    assertThat(render("Hi {{ customer_name }},\\n\\nBye")).isEqualTo("Hi Ada,\n\nBye");
  }

  @Test
  void stringWithoutPlaceholdersIsUnchanged() {
    assertThat(render("plain $1 text \\t { } }}")).isEqualTo("plain $1 text \\t { } }}");
  }

  @Test
  void valueWithDollarAndBackslashIsInsertedLiterally() {
    JsonObject ctx = new JsonObject().put("path", "costs $1 in C:\\temp\\ and $ more\\");
    assertThat(renderer.renderString("[{{ path }}]", ctx))
        .isEqualTo("[costs $1 in C:\\temp\\ and $ more\\]");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{{ a b }}",
        "{{ }}",
        "{{}}",
        "{{a",
        "{{ customer_name }",
        "{ customer_name }}",
        "{{ customer_name | x"
      })
  void malformedPlaceholderIsLeftAsLiteralText(String template) {
    assertThat(render(template)).isEqualTo(template);
  }

  @Test
  void malformedPlaceholderDoesNotStopLaterPlaceholders() {
    assertThat(render("{{ a b }} {{ customer_name }}")).isEqualTo("{{ a b }} Ada");
  }

  @Test
  void rendersObjectKeysValuesAndArrayItemsRecursively() {
    JsonObject template =
        new JsonObject()
            .put("{{ customer_name }}_key", "{{ order.id }}")
            .put(
                "list",
                new JsonArray()
                    .add("{{ customer_name }}")
                    .add(new JsonObject().put("nested", "{{ initial_context.first_name }}"))
                    .add(new JsonArray().add("{{ current_weekday }}")))
            .put("last", "done");

    Object result = renderer.render(template, context);

    JsonObject expected =
        new JsonObject()
            .put("Ada_key", "9")
            .put(
                "list",
                new JsonArray()
                    .add("Ada")
                    .add(new JsonObject().put("nested", "Grace"))
                    .add(new JsonArray().add("Sunday")))
            .put("last", "done");
    assertThat(result).isEqualTo(expected);
    assertThat(((JsonObject) result).fieldNames()).containsExactly("Ada_key", "list", "last");
  }

  @Test
  void rendersRawMapAndListInsideTemplate() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("{{ customer_name }}", "{{ order.id }}");
    List<Object> items = new ArrayList<>(List.of("{{ customer_name }}", 1));
    Map<String, Object> outer = new LinkedHashMap<>();
    outer.put("map", inner);
    outer.put("list", items);

    JsonObject result = (JsonObject) renderer.render(new JsonObject(outer), context);

    assertThat(result.getMap().get("map")).isInstanceOf(JsonObject.class);
    assertThat(result.getMap().get("list")).isInstanceOf(JsonArray.class);
    assertThat(result.encode()).isEqualTo("{\"map\":{\"Ada\":\"9\"},\"list\":[\"Ada\",1]}");
  }

  @Test
  void scalarsPassThroughUnchanged() {
    JsonObject template =
        new JsonObject()
            .put("int", 5)
            .put("double", 2.5)
            .put("bool", false)
            .putNull("none")
            .put("array", new JsonArray().add(7).add(true).addNull());

    JsonObject result = (JsonObject) renderer.render(template, context);

    assertThat(result).isEqualTo(template);
    assertThat(result.getValue("int")).isInstanceOf(Integer.class);
    assertThat(result.containsKey("none")).isTrue();
    assertThat(renderer.render(42L, context)).isEqualTo(42L);
    assertThat(renderer.render(true, context)).isEqualTo(true);
    assertThat(renderer.render(null, context)).isNull();
    assertThat(renderer.render("{{ customer_name }}", context)).isEqualTo("Ada");
  }

  @Test
  void inputIsNotMutated() {
    JsonObject template =
        new JsonObject()
            .put("{{ customer_name }}", "{{ order.id }}")
            .put("list", new JsonArray().add("{{ customer_name }}").add(new JsonObject().put("a", "{{ empty | x }}")));
    JsonObject templateBefore = template.copy();
    JsonObject contextBefore = context.copy();

    Object result = renderer.render(template, context);

    assertThat(template).isEqualTo(templateBefore);
    assertThat(context).isEqualTo(contextBefore);
    assertThat(result).isNotSameAs(template);
    assertThat(((JsonObject) result).getJsonArray("list")).isNotSameAs(template.getJsonArray("list"));
  }

  @Test
  void anUnclosedPlaceholderFollowedByALongRunOfSpacesRendersInLinearTime() {
    String hostile = "{{a|" + " ".repeat(200_000);

    String rendered = assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> renderer.renderString(hostile, new JsonObject()));

    assertThat(rendered).isEqualTo(hostile);
  }

  /** Hostile templates and what they render to (none holds a placeholder that resolves to text). */
  static Stream<Arguments> hostileTemplates() {
    int k64 = 64 * 1024;
    int m1 = 1024 * 1024;
    return Stream.of(
        unchanged("{".repeat(k64)), unchanged("{".repeat(m1)), unchanged("{{".repeat(k64 / 2)),
        unchanged("{{ a ".repeat(m1 / 5)), unchanged("{{a|".repeat(k64 / 4)), unchanged("{{ " + "x".repeat(m1)),
        unchanged("{{a}".repeat(m1 / 4)), unchanged("{{a |b}x".repeat(m1 / 8)),
        unchanged("{{a{{ |".repeat(m1 / 7)), unchanged("{{{ | ".repeat(m1 / 6)),
        unchanged("{{a |{{ b".repeat(m1 / 9)), unchanged("{{ {{".repeat(m1 / 5)),
        Arguments.of("{{a|" + "}".repeat(m1), "}".repeat(m1 - 2)),
        Arguments.of("{{".repeat(k64) + "a}}", ""));
  }

  private static Arguments unchanged(String template) {
    return Arguments.of(template, template);
  }

  /** Each of these took seconds to minutes per 64 KB when every "{{" was re-scanned to the end. */
  @ParameterizedTest(name = "[{index}]")
  @MethodSource("hostileTemplates")
  void hostileTemplatesRenderInWellUnderASecond(String hostile, String expected) {
    String rendered = assertTimeoutPreemptively(Duration.ofMillis(800),
        () -> renderer.renderString(hostile, context));

    assertThat(rendered).isEqualTo(expected);
  }

  /** The same split as the reference's pattern, on every short string of these characters. */
  @Test
  void theTokenizerSplitsExactlyAsTheReferencePatternDid() {
    char[] alphabet = {'{', '}', '|', ' ', 'a', ':', '\t'};
    Random random = new Random(7);
    for (int i = 0; i < 200_000; i++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(14);
      for (int c = 0; c < length; c++) {
        text.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String template = text.toString();
      assertThat(render(template)).as("template <%s>", template).isEqualTo(referenceRender(template));
    }
  }

  /**
   * The reference's pattern, for checking the tokenizer on short inputs only (it is quadratic on
   * hostile ones). Only "a" and "a:..." paths occur in the generated inputs; "a" is not in the context.
   */
  private String referenceRender(String text) {
    Matcher matcher = Pattern
        .compile("\\{\\{\\s*+([^\\s|}]++)\\s*+(?:\\|([^}]*+))?\\}\\}").matcher(text);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(out, Matcher.quoteReplacement(
          renderer.renderString("{{" + matcher.group(1) + (matcher.group(2) == null ? "" : "|" + matcher.group(2)) + "}}",
              context)));
    }
    matcher.appendTail(out);
    return out.toString().replace("\\n", "\n");
  }

  @Test
  void aRenderThatOutgrowsItsBudgetStopsWithTheFieldNamed() {
    JsonObject big = new JsonObject().put("blob", "x".repeat(200_000));
    JsonArray template = new JsonArray();
    for (int i = 0; i < 1_000; i++) {
      template.add("{{ blob }}");
    }

    PayloadTooLargeException refused = assertThrows(PayloadTooLargeException.class,
        () -> renderer.render(template, big, TemplateRenderer.OutputBudget.of(262_144, "webhook.payloadTemplate")));

    assertThat(refused.field()).isEqualTo("webhook.payloadTemplate");
    assertThat(refused.getMessage()).contains("262144-byte limit");
    assertThat(renderer.render(new JsonArray().add("{{ blob }}"), big,
        TemplateRenderer.OutputBudget.of(262_144, "webhook.payloadTemplate"))).isEqualTo(new JsonArray().add("x".repeat(200_000)));
  }
}
