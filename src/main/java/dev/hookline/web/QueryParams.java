package dev.hookline.web;

import dev.hookline.domain.DeliveryFilter;
import dev.hookline.domain.DeliveryKind;
import dev.hookline.domain.DeliveryStatus;
import dev.hookline.domain.Fields;
import dev.hookline.domain.ReplayFilter;
import dev.hookline.domain.Uuids;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Parses request parameters and filter bodies; every problem is a 400 naming the parameter. */
public final class QueryParams {
  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 500;

  private QueryParams() {
  }

  public static UUID uuid(RoutingContext ctx) {
    UUID uuid = Uuids.parseOrNull(ctx.pathParam("uuid"));
    if (uuid == null) {
      throw ApiError.badRequest("uuid", "uuid: not a UUID");
    }
    return uuid;
  }


  public static long requiredOrganization(RoutingContext ctx) {
    Long org = param(ctx, "organizationId", Fields::parsePositiveLong);
    if (org == null) {
      throw ApiError.badRequest("organizationId", "organizationId: is required");
    }
    return org;
  }

  public static DeliveryFilter listFilter(RoutingContext ctx) {
    String status = ctx.queryParams().get("status");
    DeliveryStatus parsedStatus = null;
    if (status != null) {
      parsedStatus = DeliveryStatus.fromColumn(status);
      if (parsedStatus == null) {
        throw ApiError.badRequest("status", "status: must be one of " + Arrays.stream(DeliveryStatus.values())
            .map(DeliveryStatus::column).collect(Collectors.joining(", ")));
      }
    }
    return new DeliveryFilter(parsedStatus,
        param(ctx, "organizationId", Fields::parsePositiveLong),
        param(ctx, "workflowRunId", Fields::parsePositiveLong),
        param(ctx, "createdAfter", Instant::parse),
        param(ctx, "createdBefore", Instant::parse),
        param(ctx, "lastStatusCode", ReplayFilter::statusCode),
        param(ctx, "origin", ReplayFilter::origin),
        kind(ctx));
  }

  /** Optional: without it both kinds are listed and counted. */
  private static DeliveryKind kind(RoutingContext ctx) {
    String raw = ctx.queryParams().get("kind");
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    DeliveryKind kind = DeliveryKind.parse(raw);
    if (kind == null) {
      throw ApiError.badRequest("kind", "kind: must be " + DeliveryKind.NAMES);
    }
    return kind;
  }

  public static int limit(RoutingContext ctx) {
    Integer limit = param(ctx, "limit", Integer::valueOf);
    if (limit == null) {
      return DEFAULT_LIMIT;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiError.badRequest("limit", "limit: must be from 1 to " + MAX_LIMIT);
    }
    return limit;
  }

  /** The cursor is the last id of the previous page; opaque to clients. */
  public static long after(RoutingContext ctx) {
    Long after = param(ctx, "after", Long::valueOf);
    if (after != null && after < 0) {
      throw ApiError.badRequest("after", "after: not a cursor from a previous page");
    }
    return after == null ? 0 : after;
  }

  private static <T> T param(RoutingContext ctx, String name, Function<String, T> parse) {
    String raw = ctx.queryParams().get(name);
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      return parse.apply(raw);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw ApiError.badRequest(name, name + ": invalid value \"" + raw + "\"");
    }
  }
}
