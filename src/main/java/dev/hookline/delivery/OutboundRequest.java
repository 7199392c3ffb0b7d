package dev.hookline.delivery;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

/** A fully assembled webhook request; {@code body} is null for methods that send none. */
public record OutboundRequest(HttpMethod method, String url, MultiMap headers, Buffer body) {
}
