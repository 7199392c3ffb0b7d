package dev.hookline.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code chromium}, driven through its {@code chromedriver}),
 * for the console's browser tests. The binaries are found on the PATH (or named by
 * {@code HOOKLINE_TEST_CHROMIUM} / {@code HOOKLINE_TEST_CHROMEDRIVER}), so Selenium never tries to
 * download a browser or a driver. The viewport is emulated (desktop 1280×800, phone 390×844) and
 * the time zone set away from UTC, so times on the page show the browser's zone and not the server's.
 */
public final class Browser implements AutoCloseable {
  public static final String TIME_ZONE = "America/New_York";
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final ChromeDriver driver;
  private String base;

  private Browser(ChromeDriver driver) {
    this.driver = driver;
  }

  public static Browser start() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(executable("HOOKLINE_TEST_CHROMIUM", "chromium", "chromium-browser"));
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,800", "--lang=en-US", "--no-first-run", "--disable-extensions",
        "--hide-scrollbars", "--force-color-profile=srgb");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(executable("HOOKLINE_TEST_CHROMEDRIVER", "chromedriver")))
        .usingAnyFreePort()
        .build();
    Browser browser = new Browser(new ChromeDriver(service, options));
    browser.cdp("Emulation.setTimezoneOverride", Map.of("timezoneId", TIME_ZONE));
    browser.desktop();
    return browser;
  }

  private static String executable(String variable, String... names) {
    String named = System.getenv(variable);
    if (named != null && !named.isBlank()) {
      return named;
    }
    Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
        .flatMap(dir -> Stream.of(names).map(name -> Path.of(dir, name)))
        .filter(Files::isExecutable)
        .findFirst();
    return found.map(Path::toString).orElseThrow(() -> new IllegalStateException("no " + String.join(" or ", names)
        + " on the PATH: install Debian's chromium and chromium-driver (bash .ci/run does), or set " + variable));
  }

  /** Where {@link #open} paths point: the Hookline under test. */
  public Browser at(int port) {
    this.base = "http://127.0.0.1:" + port;
    return this;
  }

  public String base() {
    return base;
  }

  public WebDriver driver() {
    return driver;
  }

  public void open(String path) {
    driver.get(path.startsWith("http") ? path : base + path);
  }

  public String path() {
    String url = driver.getCurrentUrl();
    return url.startsWith(base) ? url.substring(base.length()) : url;
  }

  public WebElement byId(String id) {
    return driver.findElement(By.id(id));
  }

  public WebElement byTestId(String testId) {
    return driver.findElement(testId(testId));
  }

  public List<WebElement> allByTestId(String testId) {
    return driver.findElements(testId(testId));
  }

  public static By testId(String testId) {
    return By.cssSelector("[data-testid=\"" + testId + "\"]");
  }

  /** The element's text, read afresh (the pages re-render as they poll). */
  public String text(String testId) {
    return byTestId(testId).getText();
  }

  /**
   * Waits until {@code condition} answers something other than null or false, re-asking while the
   * page re-renders under it (a stale or not yet drawn element counts as "not yet").
   */
  public <T> T await(String what, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, WAIT, Duration.ofMillis(50))
        .ignoring(StaleElementReferenceException.class)
        .ignoring(NoSuchElementException.class)
        .withMessage(() -> what + " (at " + driver.getCurrentUrl() + ", showing: " + shown() + ")")
        .until(condition);
  }

  /** The page's visible text, cut short: what a failed wait saw. */
  private String shown() {
    try {
      String text = driver.findElement(By.tagName("body")).getText().replaceAll("\\s+", " ");
      return text.length() > 600 ? text.substring(0, 600) + "…" : text;
    } catch (RuntimeException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  public void awaitText(String testId, String expected) {
    await(testId + " reads \"" + expected + "\"", d -> text(testId).equals(expected));
  }

  public void awaitPath(String expected) {
    await("the page " + expected, d -> path().equals(expected));
  }

  public Object script(String script, Object... args) {
    return driver.executeScript(script, args);
  }

  /** Runs an async script: it calls {@code arguments[arguments.length - 1]} with its answer. */
  public Object asyncScript(String script, Object... args) {
    return driver.executeAsyncScript(script, args);
  }

  public Optional<Cookie> cookie(String name) {
    return Optional.ofNullable(driver.manage().getCookieNamed(name));
  }

  public void forgetCookies() {
    driver.manage().deleteAllCookies();
  }

  /** Saves the current page at desktop and phone width as {@code <dir>/<name>-desktop.png} and {@code -phone.png}. */
  public void screenshots(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      phone();
      Files.write(dir.resolve(name + "-phone.png"), driver.getScreenshotAs(OutputType.BYTES));
      desktop();
      Files.write(dir.resolve(name + "-desktop.png"), driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void desktop() {
    viewport(1280, 800);
  }

  public void phone() {
    viewport(390, 844);
  }

  /**
   * Emulates a viewport of that size in CSS pixels and waits until the page is laid out for it.
   * Not Chrome's "mobile" mode: that lays a page out at a width of its own choosing, so the phone
   * screenshots would not show what a 390 px wide viewport shows.
   */
  private void viewport(int width, int height) {
    cdp("Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    await("a viewport " + width + " px wide",
        d -> Long.valueOf(width).equals(script("return window.innerWidth")));
  }

  private void cdp(String command, Map<String, Object> parameters) {
    driver.executeCdpCommand(command, parameters);
  }

  /** The browser's console messages about a Content-Security-Policy violation since the last call. */
  public List<String> cspViolations() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .map(LogEntry::getMessage)
        .filter(message -> message.contains("Content Security Policy"))
        .collect(Collectors.toList());
  }

  @Override
  public void close() {
    driver.quit();
  }
}
