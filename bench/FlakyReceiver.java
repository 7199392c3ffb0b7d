import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiver of bench/flaky-receiver.sh: answers 200 on any path, except on paths ending in
 * "/flaky", where it refuses a random FAIL_PERCENT of requests with 503 (a Random seeded with
 * SEED, drawn in arrival order). A 200 waits ACCEPT_MILLIS first; a 503 goes at once.
 * Usage: java bench/FlakyReceiver.java PORT FAIL_PERCENT SEED ACCEPT_MILLIS
 */
public class FlakyReceiver {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int failPercent = Integer.parseInt(args[1]);
    Random random = new Random(Long.parseLong(args[2]));
    long acceptMillis = Long.parseLong(args[3]);
    AtomicLong refused = new AtomicLong();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
    server.setExecutor(Executors.newFixedThreadPool(256));
    server.createContext("/", exchange -> {
      try (InputStream body = exchange.getRequestBody()) {
        body.readAllBytes();
      }
      boolean refuse;
      synchronized (random) {
        refuse = exchange.getRequestURI().getPath().endsWith("/flaky") && random.nextInt(100) < failPercent;
      }
      if (refuse) {
        refused.incrementAndGet();
      } else if (acceptMillis > 0) {
        try {
          Thread.sleep(acceptMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      exchange.sendResponseHeaders(refuse ? 503 : 200, -1);
      exchange.close();
    });
    server.createContext("/refused", exchange -> {
      byte[] text = String.valueOf(refused.get()).getBytes();
      exchange.sendResponseHeaders(200, text.length);
      exchange.getResponseBody().write(text);
      exchange.close();
    });
    server.start();
    System.out.println("listening on " + port);
  }
}
