package dev.hookline.testing;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;

/**
 * The project's version as pom.xml states it, read independently of the build's own version
 * resource, so a test can tell whether that resource was filled in right.
 */
public final class PomVersion {
  private PomVersion() {
  }

  /** Surefire runs with the project directory as working directory, where pom.xml is. */
  public static String read() {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      Document pom = factory.newDocumentBuilder().parse(Path.of("pom.xml").toFile());
      String version = XPathFactory.newInstance().newXPath().evaluate("/project/version", pom).trim();
      if (version.isEmpty()) {
        throw new IllegalStateException("pom.xml states no /project/version");
      }
      return version;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the version from pom.xml", e);
    }
  }
}
