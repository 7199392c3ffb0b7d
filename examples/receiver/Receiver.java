import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A webhook receiver that prints what it gets and answers 204. Run: java Receiver.java [port] */
public class Receiver {
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/hooks", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      System.out.printf("%s %s delivery-id=%s attempt=%s%n%s%n", exchange.getRequestMethod(), exchange.getRequestURI(),
          exchange.getRequestHeaders().getFirst("X-Dograh-Delivery-Id"),
          exchange.getRequestHeaders().getFirst("X-Dograh-Delivery-Attempt"), body);
      exchange.sendResponseHeaders(204, -1); // dedupe on the delivery id: an attempt may come twice
      exchange.close();
    });
    server.start();
    System.out.println("Receiving webhooks on http://127.0.0.1:" + port + "/hooks");
  }
}
