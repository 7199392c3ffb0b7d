package dev.hookline.intake;

import dev.hookline.domain.PayloadTooLargeException;
import dev.hookline.domain.Utf8Check;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills {@code {{ path }}} placeholders in JSON templates from a render context.
 *
 * <p>Mirrors a reference implementation, so its quirks (reserved time built-ins, the
 * {@code initial_context.} fallback, backslash-n unescaping) are kept on purpose.
 */
public final class TemplateRenderer {

  private static final String CURRENT_TIME = "current_time";
  private static final String CURRENT_TIME_IN = "current_time_";
  private static final String CURRENT_WEEKDAY = "current_weekday";
  private static final String CURRENT_WEEKDAY_IN = "current_weekday_";
  private static final String INITIAL_CONTEXT = "initial_context.";
  private static final String FALLBACK = "fallback";
  // "fallback: Text", with or without spaces around the colon.
  private static final Pattern FALLBACK_WITH_TEXT = Pattern.compile("fallback\\s*+:(.*+)", Pattern.DOTALL);

  // ZoneOffset.UTC would print "Z" for the zone name; the region id prints "UTC".
  private static final ZoneId UTC = ZoneId.of("UTC");
  private static final DateTimeFormatter TIME_FORMAT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ENGLISH);

  private final Clock clock;

  public TemplateRenderer(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Renders a JSON template value against the render context. */
  public Object render(Object template, JsonObject context) {
    return render(template, context, OutputBudget.unlimited());
  }

  /**
   * As {@link #render(Object, JsonObject)}, charging every rendered string (keys included) to
   * {@code budget}, which stops the render as soon as the output outgrows it: a small request must
   * not be able to make a huge payload (one large context value referenced a thousand times).
   */
  public Object render(Object template, JsonObject context, OutputBudget budget) {
    if (template instanceof String text) {
      return renderString(text, context, budget);
    }
    // Vert.x keeps nested values as raw Map/List until they are read through a getter.
    if (template instanceof JsonObject object) {
      return renderObject(object.getMap(), context, budget);
    }
    if (template instanceof Map<?, ?> map) {
      return renderObject(map, context, budget);
    }
    if (template instanceof JsonArray array) {
      return renderArray(array.getList(), context, budget);
    }
    if (template instanceof List<?> list) {
      return renderArray(list, context, budget);
    }
    return template;
  }

  /** Renders one string (placeholders replaced). */
  public String renderString(String text, JsonObject context) {
    return renderString(text, context, OutputBudget.unlimited());
  }

  /** Renders one string, charging what it outputs to {@code budget}. */
  private String renderString(String text, JsonObject context, OutputBudget budget) {
    Objects.requireNonNull(text, "text");
    if (!text.contains("{{")) {
      return budget.charge(unescapeNewlines(text));
    }
    JsonObject ctx = context == null ? new JsonObject() : context;
    ZonedDateTime now = clock.instant().atZone(UTC);
    List<TemplateText.Segment> segments = TemplateText.split(text);
    ZoneId weekdayZone = firstCurrentTimeZone(segments).orElse(UTC);

    StringBuilder out = new StringBuilder(text.length());
    for (TemplateText.Segment segment : segments) {
      String piece = segment.path() == null ? segment.literal()
          : toText(segment.path(), resolve(segment.path(), ctx, now, weekdayZone), segment.fallback());
      // Charged piece by piece, so a render that outgrows its budget stops here, not at the end.
      budget.charge(piece);
      out.append(piece);
    }
    String rendered = unescapeNewlines(out.toString());
    budget.refund(out.length() - rendered.length()); // each backslash-n pair became one newline
    return rendered;
  }

  private JsonObject renderObject(Map<?, ?> map, JsonObject context, OutputBudget budget) {
    JsonObject result = new JsonObject();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String key = renderString(String.valueOf(entry.getKey()), context, budget);
      result.put(key, render(entry.getValue(), context, budget));
    }
    return result;
  }

  private JsonArray renderArray(List<?> list, JsonObject context, OutputBudget budget) {
    JsonArray result = new JsonArray();
    for (Object item : list) {
      result.add(render(item, context, budget));
    }
    return result;
  }

  private Object resolve(String path, JsonObject context, ZonedDateTime now, ZoneId weekdayZone) {
    if (path.equals(CURRENT_TIME)) {
      return TIME_FORMAT.format(now);
    }
    if (path.startsWith(CURRENT_TIME_IN)) {
      return zone(path.substring(CURRENT_TIME_IN.length()))
          .map(zone -> TIME_FORMAT.format(now.withZoneSameInstant(zone)))
          .orElse("");
    }
    if (path.equals(CURRENT_WEEKDAY)) {
      return weekday(now, weekdayZone);
    }
    if (path.startsWith(CURRENT_WEEKDAY_IN)) {
      return zone(path.substring(CURRENT_WEEKDAY_IN.length()))
          .map(zone -> weekday(now, zone))
          .orElse("");
    }
    Object value = lookup(path, context);
    if (value == null && path.startsWith(INITIAL_CONTEXT)) {
      // Callers write initial_context.x even when x was flattened into the top level.
      value = lookup(path.substring(INITIAL_CONTEXT.length()), context);
    }
    return value;
  }

  private static Object lookup(String path, JsonObject context) {
    Object current = context;
    for (String step : path.split("\\.", -1)) {
      if (current instanceof JsonObject object) {
        current = object.getMap().get(step);
      } else if (current instanceof Map<?, ?> map) {
        current = map.get(step);
      } else {
        return null;
      }
    }
    return current;
  }

  // A bare current_weekday follows the zone of the time printed beside it, so the two agree.
  private static Optional<ZoneId> firstCurrentTimeZone(List<TemplateText.Segment> segments) {
    for (TemplateText.Segment segment : segments) {
      if (segment.path() != null && segment.path().startsWith(CURRENT_TIME_IN)) {
        return zone(segment.path().substring(CURRENT_TIME_IN.length()));
      }
    }
    return Optional.empty();
  }

  private static Optional<ZoneId> zone(String id) {
    try {
      return Optional.of(ZoneId.of(id));
    } catch (DateTimeException e) {
      return Optional.empty();
    }
  }

  private static String weekday(ZonedDateTime now, ZoneId zone) {
    return now.withZoneSameInstant(zone).getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
  }

  private static String toText(String path, Object value, String rawDefault) {
    String defaultSpec = rawDefault == null ? null : rawDefault.strip();
    boolean missing = value == null || "".equals(value);
    if (defaultSpec != null && missing) {
      if (defaultSpec.equals(FALLBACK)) {
        return titleCase(path);
      }
      Matcher withText = FALLBACK_WITH_TEXT.matcher(defaultSpec);
      if (withText.matches()) {
        return withText.group(1).trim();
      }
      return defaultSpec;
    }
    if (value == null) {
      return "";
    }
    if (value instanceof String string) {
      return string;
    }
    return Json.encode(value);
  }

  /** Turns a path like {@code initial_context.first_name} into a readable label {@code First Name}. */
  private static String titleCase(String path) {
    String word = path.substring(path.lastIndexOf('.') + 1).replace('_', ' ').replace('-', ' ');
    StringBuilder out = new StringBuilder(word.length());
    boolean startOfWord = true;
    for (char c : word.toCharArray()) {
      out.append(startOfWord ? Character.toUpperCase(c) : Character.toLowerCase(c));
      startOfWord = c == ' ';
    }
    return out.toString();
  }

  /**
   * Counts rendered strings, in UTF-8 bytes, against a limit; one per render, used from one thread.
   * The encoded body only adds to them (quotes, escapes), so going over means the body would be too
   * large; the body is still checked exactly afterwards.
   */
  public static final class OutputBudget {

    private final long limit;
    private final String field;
    private long used;

    private OutputBudget(long limit, String field) {
      this.limit = limit;
      this.field = field;
    }

    /** A budget of its own for a render without a limit (budgets count, so none is shared). */
    static OutputBudget unlimited() {
      return new OutputBudget(Long.MAX_VALUE / 4, null);
    }

    /** Refuses (as {@link PayloadTooLargeException} on {@code field}) once more than {@code bytes} are rendered. */
    public static OutputBudget of(long bytes, String field) {
      return new OutputBudget(bytes, field);
    }

    String charge(String piece) {
      used += Utf8Check.byteLength(piece);
      if (used > limit) {
        throw new PayloadTooLargeException(field, "rendering stopped: the payload grew past the " + limit
            + "-byte limit (delivery.maxPayloadBytes)");
      }
      return piece;
    }

    void refund(long bytes) {
      used -= bytes;
    }
  }

  // Templates stored as JSON often carry "\n" literally; the reference turns them into line breaks.
  private static String unescapeNewlines(String text) {
    return text.replace("\\n", "\n");
  }
}
