package dev.packetipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The BOM must stay what netty-bom is: no parent, only dependencyManagement of our own artifacts, no scopes, and one
 * entry for every published module of the build.
 */
class BomContentsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static Document parse(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(pom.toFile());
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node node = nodes.item(i);
            if (node instanceof Element && ((Element) node).getTagName().equals(name)) {
                found.add((Element) node);
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0).getTextContent().trim();
    }

    @Test
    void theBomManagesExactlyThePublishedModulesWithoutScopesOrParent() throws Exception {
        Element bom = parse(ROOT.resolve("bom/pom.xml")).getDocumentElement();
        assertTrue(children(bom, "parent").isEmpty(), "the BOM must not have a parent");
        assertTrue(children(bom, "dependencies").isEmpty(), "the BOM must not declare dependencies");
        String version = text(bom, "version");

        TreeSet<String> managed = new TreeSet<>();
        Element management = children(bom, "dependencyManagement").get(0);
        for (Element dependency : children(children(management, "dependencies").get(0), "dependency")) {
            assertEquals("dev.packetipc", text(dependency, "groupId"), "only packet-ipc artifacts");
            assertEquals(null, text(dependency, "scope"), "no scopes in the BOM: " + text(dependency, "artifactId"));
            assertEquals(null, text(dependency, "type"), "no types in the BOM");
            assertEquals(version, text(dependency, "version"), "one version for everything");
            managed.add(text(dependency, "artifactId"));
        }

        TreeSet<String> published = new TreeSet<>();
        Element parent = parse(ROOT.resolve("pom.xml")).getDocumentElement();
        assertEquals(version, text(parent, "version"), "the BOM and the parent have the same version");
        for (Element module : children(children(parent, "modules").get(0), "module")) {
            String dir = module.getTextContent().trim();
            if (dir.equals("bom") || dir.startsWith("examples/") || dir.equals("benchmarks") || dir.equals("cli")) {
                continue;
            }
            Path pom = ROOT.resolve(dir).resolve("pom.xml");
            if (Files.readString(pom).contains("<maven.deploy.skip>true</maven.deploy.skip>")) {
                continue; // a module that says it is not published (the C interop tests)
            }
            published.add(artifactIdOf(pom));
        }
        assertEquals(published, managed, "the BOM must manage exactly the published modules");
    }

    private static String artifactIdOf(Path pom) throws Exception {
        Matcher m =
                Pattern.compile("</parent>\\s*<artifactId>([^<]+)</artifactId>").matcher(Files.readString(pom));
        assertTrue(m.find(), "no artifactId after the parent in " + pom);
        return m.group(1);
    }
}
