package dev.hookline.web;

import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling, as the bearer token says: an operator (every organization) or one organization.
 * A caller scoped to one organization is told "not found" about anything of another one, so it
 * never learns another organization's ids.
 */
public record Caller(Long organizationId) {
  public static final Caller OPERATOR = new Caller(null);
  private static final String KEY = "hookline.caller";

  public static Caller of(RoutingContext ctx) {
    Caller caller = ctx.get(KEY);
    return caller == null ? OPERATOR : caller;
  }

  public void attachTo(RoutingContext ctx) {
    ctx.put(KEY, this);
  }

  public boolean isOperator() {
    return organizationId == null;
  }

  /** Whether this caller may see and act on what belongs to {@code organization}. */
  public boolean sees(Long organization) {
    return isOperator() || organizationId.equals(organization);
  }

  /**
   * The organization a scoped caller is confined to, checked against the one a request named
   * ({@code named}, null when it named none); the 404 says nothing about what exists elsewhere.
   */
  public Long confine(Long named, String field) {
    if (isOperator()) {
      return named;
    }
    if (named != null && !named.equals(organizationId)) {
      throw new ApiError(404, field, "no organization " + named + " for this token");
    }
    return organizationId;
  }
}
