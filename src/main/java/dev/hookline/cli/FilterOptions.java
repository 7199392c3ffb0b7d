package dev.hookline.cli;

import dev.hookline.domain.DeliveryKind;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The filters {@code retry} and {@code resend} share: {@code --org}, {@code --since} and {@code --kind}. */
final class FilterOptions {
  @Option(names = "--org", paramLabel = "ID", description = "Only this organization")
  Long organizationId;

  @Option(names = "--since", paramLabel = "TIME",
      description = "Only deliveries created at or after TIME: 2026-11-28T09:00:00Z, 2026-11-28, or an age like 30m, 12h, 7d")
  String since;

  @Option(names = "--kind", paramLabel = "KIND",
      description = "delivery (the default: the webhooks callers asked for) or event (Hookline's own outcome events"
          + " to events.webhookUrl, replayed only when named)")
  String kind;

  boolean any() {
    return organizationId != null || since != null || kind != null;
  }

  /** {@code --kind}, {@link DeliveryKind#DELIVERY} when not given; anything else is a usage error of {@code cli}. */
  DeliveryKind kind(CommandLine cli) {
    if (kind == null) {
      return DeliveryKind.DELIVERY;
    }
    DeliveryKind parsed = DeliveryKind.parse(kind);
    if (parsed == null) {
      throw new ParameterException(cli, "--kind: must be " + DeliveryKind.NAMES + " (got " + kind + ")");
    }
    return parsed;
  }

  /** {@code --since} as an instant, or null when not given; an unreadable one is a usage error of {@code cli}. */
  Instant createdAfter(CommandLine cli, Instant now) {
    return since == null ? null : parseSince(cli, since, now);
  }

  private static Instant parseSince(CommandLine cli, String text, Instant now) {
    String value = text.trim();
    try {
      if (value.matches("\\d+[smhd]")) {
        long amount = Long.parseLong(value.substring(0, value.length() - 1));
        Duration age = switch (value.charAt(value.length() - 1)) {
          case 's' -> Duration.ofSeconds(amount);
          case 'm' -> Duration.ofMinutes(amount);
          case 'h' -> Duration.ofHours(amount);
          default -> Duration.ofDays(amount);
        };
        return now.minus(age);
      }
      if (value.length() == 10) {
        return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      return Instant.parse(value);
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new ParameterException(cli,
          "--since: not a time (use 2026-11-28T09:00:00Z, 2026-11-28, or an age like 30m, 12h, 7d): " + text);
    }
  }
}
