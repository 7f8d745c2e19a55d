package io.hubpolicy.catalog;

import static io.hubpolicy.catalog.ImageStreams.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hubpolicy.model.NotebookImage;
import io.hubpolicy.model.NotebookImage.NameVersion;
import io.hubpolicy.model.PolicyConfig;
import io.hubpolicy.model.Profile;
import io.hubpolicy.model.SourceRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

public class NotebookImagesTest {
  private static final String SOFTWARE = "opendatahub.io/notebook-software";
  private static final String DEPENDENCIES = "opendatahub.io/notebook-python-dependencies";
  private static final String DEFAULT = "opendatahub.io/default-image";

  @Test
  void sortsByOrderThenStreamNameWithUnorderedLast() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("zeta").tag("1").build(),
                stream("beta").order("2").tag("1").build(),
                stream("alpha").tag("1").build(),
                stream("gamma").order("1").tag("1").build(),
                stream("delta").order("2").tag("1").build()));

    assertEquals(List.of("gamma:1", "beta:1", "delta:1", "alpha:1", "zeta:1"), names(catalog));
    assertEquals(List.of(), catalog.warnings());
    assertEquals("imagestreams", catalog.source());
    assertEquals(NotebookImage.UNORDERED, catalog.find("alpha:1").orElseThrow().order());
  }

  @Test
  void keepsSpecTagOrderWithinAStream() {
    // ODH manifests list the newest version first; sorting tags as text would invert that.
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(stream("nb").tag("2024.2").tag("2024.1").tag("10").tag("9").build()));

    assertEquals(List.of("nb:2024.2", "nb:2024.1", "nb:10", "nb:9"), names(catalog));
  }

  @Test
  void copiesStreamAnnotationsAndDefaultsDisplayNameToTheStreamName() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("minimal")
                    .order("1")
                    .annotation("opendatahub.io/notebook-image-name", "Minimal Python")
                    .annotation("opendatahub.io/notebook-image-desc", "Small and quick")
                    .annotation("opendatahub.io/notebook-image-url", "https://example.org/min")
                    .tag("py38")
                    .build(),
                stream("plain").order("2").tag("v1").build()));

    NotebookImage minimal = catalog.images().get(0);
    assertEquals("minimal:py38", minimal.name());
    assertEquals("minimal", minimal.stream());
    assertEquals("py38", minimal.tag());
    assertEquals("Minimal Python", minimal.displayName());
    assertEquals("Small and quick", minimal.description());
    assertEquals("https://example.org/min", minimal.url());
    assertEquals(1, minimal.order());
    NotebookImage plain = catalog.images().get(1);
    assertEquals("plain", plain.displayName());
    assertNull(plain.description());
    assertNull(plain.url());
  }

  @Test
  void defaultComesFromTheTagAnnotation() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("a").order("1").tag("1").build(),
                stream("b").order("2").tag("2").tag("1", DEFAULT, "true").build()));

    assertEquals(List.of("b:1"), defaults(catalog));
  }

  @Test
  void defaultComesFromTheStreamAnnotationAsTheOldSystemWroteIt() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("a").order("1").tag("1").build(),
                stream("b").order("2").annotation(DEFAULT, "True").tag("2").tag("1").build()));

    // The stream annotation marks every tag; the first one in display order wins.
    assertEquals(List.of("b:2"), defaults(catalog));
    assertEquals(List.of(), catalog.warnings());
  }

  @Test
  void aTagAnnotationBeatsAStreamAnnotation() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("a").order("1").annotation(DEFAULT, "true").tag("1").build(),
                stream("b").order("2").tag("1", DEFAULT, "true").build()));

    assertEquals(List.of("b:1"), defaults(catalog));
  }

  @Test
  void withoutAnnotationTheFirstImageIsDefault() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("b").order("2").tag("1").build(),
                stream("a").order("1").tag("1", DEFAULT, "false").build()));

    assertEquals(List.of("a:1"), defaults(catalog));
  }

  @Test
  void severalDefaultsKeepTheFirstAndWarn() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("b").order("2").tag("1", DEFAULT, "true").build(),
                stream("a").order("1").tag("1", DEFAULT, "true").build()));

    assertEquals(List.of("a:1"), defaults(catalog));
    assertEquals(1, catalog.warnings().size());
    assertTrue(catalog.warnings().get(0).contains("a:1, b:1"), catalog.warnings().get(0));
  }

  @Test
  void listsOnlyImportedTags() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(stream("nb").tag("new").specTag("pending").tag("old").build()));

    assertEquals(List.of("nb:new", "nb:old"), names(catalog));
    assertEquals(List.of(), catalog.warnings());
  }

  @Test
  void pullSpecFromStatusItemsElseTheRepositoryElseNone() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("a")
                    .order("1")
                    .specTag("withItem")
                    .imported("withItem", "quay.io/x/a@sha256:abc")
                    .specTag("noItems")
                    .imported("noItems", null)
                    .build(),
                stream("b").order("2").noRepository().specTag("t").imported("t", null).build()));

    assertEquals("quay.io/x/a@sha256:abc", catalog.find("a:withItem").orElseThrow().pullSpec());
    assertEquals(
        ImageStreams.REGISTRY + "a:noItems", catalog.find("a:noItems").orElseThrow().pullSpec());
    assertNull(catalog.find("b:t").orElseThrow().pullSpec());
  }

  @Test
  void parsesSoftwareAndDependencies() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("nb")
                    .tag(
                        "py38",
                        SOFTWARE,
                        "[{\"name\":\"Python\",\"version\":\"v3.8\"},{\"name\":\"CUDA\",\"version\":11}]",
                        DEPENDENCIES,
                        "[{\"name\":\"JupyterLab\",\"version\":\"3.2\"},{\"name\":\"Notebook\"}]")
                    .tag("bare")
                    .build()));

    NotebookImage py38 = catalog.find("nb:py38").orElseThrow();
    assertEquals(
        List.of(new NameVersion("Python", "v3.8"), new NameVersion("CUDA", "11")), py38.software());
    assertEquals(
        List.of(new NameVersion("JupyterLab", "3.2"), new NameVersion("Notebook", "")),
        py38.dependencies());
    NotebookImage bare = catalog.find("nb:bare").orElseThrow();
    assertEquals(List.of(), bare.software());
    assertEquals(List.of(), bare.dependencies());
  }

  @Test
  void malformedJsonSkipsTheTagWithAWarningNamingStreamAndAnnotation() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("good").order("1").tag("1").build(),
                stream("broken").order("2").tag("1", SOFTWARE, "[{\"name\": \"Python\"").build(),
                stream("notalist").order("3").tag("1", DEPENDENCIES, "{\"name\":\"x\"}").build(),
                stream("noname").order("4").tag("1", SOFTWARE, "[{\"version\":\"1\"}]").build()));

    assertEquals(List.of("good:1"), names(catalog));
    assertEquals(List.of("good:1"), defaults(catalog));
    assertEquals(3, catalog.warnings().size(), catalog.warnings().toString());
    assertWarning(catalog, "'broken'", SOFTWARE);
    assertWarning(catalog, "'notalist'", DEPENDENCIES);
    assertWarning(catalog, "'noname'", SOFTWARE);
  }

  @Test
  void malformedJsonOnOneTagKeepsTheOtherTagsOfTheStream() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(stream("nb").tag("bad", SOFTWARE, "not json").tag("ok").build()));

    assertEquals(List.of("nb:ok"), names(catalog));
    assertWarning(catalog, "'nb'", "tag 'bad'");
  }

  @Test
  void streamWithoutTagsOrImportsIsSkippedWithAWarning() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("empty").build(),
                stream("unimported").specTag("1").build(),
                stream("fine").tag("1").build()));

    assertEquals(List.of("fine:1"), names(catalog));
    assertWarning(catalog, "'empty'", "spec.tags");
    assertWarning(catalog, "'unimported'", "imported");
  }

  @Test
  void nonIntegerOrderIsListedLastWithAWarning() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(
                stream("a").order("first").tag("1").build(),
                stream("b").order("5").tag("1").build()));

    assertEquals(List.of("b:1", "a:1"), names(catalog));
    assertWarning(catalog, "'a'", "opendatahub.io/notebook-image-order");
  }

  @Test
  void unlabelledStreamsAreIgnored() {
    Catalog catalog =
        NotebookImages.fromImageStreams(
            List.of(stream("other").unlabelled().tag("1").build(), stream("nb").tag("1").build()));

    assertEquals(List.of("nb:1"), names(catalog));
    assertEquals(List.of(), catalog.warnings());
  }

  @Test
  void zeroStreamsIsAnEmptyCatalog() {
    Catalog catalog = NotebookImages.fromImageStreams(List.of());

    assertEquals(List.of(), catalog.images());
    assertEquals(List.of(), catalog.warnings());
    assertTrue(catalog.defaultImage().isEmpty());
  }

  @Test
  void profileFallbackListsConcreteImagesInConfigurationOrder() {
    PolicyConfig config =
        config(
            profile("a", "s2i-minimal-notebook:v0.0.4", "s2i-*", "quay.io/org/nb:3.6"),
            profile("b", "sci-?:1", "s2i-minimal-notebook:v0.0.4", "tensorflow"),
            profile("everyone"));

    Catalog catalog = NotebookImages.fromProfiles(config);

    assertEquals("profiles", catalog.source());
    assertEquals(
        List.of("s2i-minimal-notebook:v0.0.4", "quay.io/org/nb:3.6", "tensorflow"), names(catalog));
    assertEquals(List.of("s2i-minimal-notebook:v0.0.4"), defaults(catalog));
    NotebookImage nb = catalog.images().get(1);
    assertEquals("quay.io/org/nb", nb.stream());
    assertEquals("3.6", nb.tag());
    NotebookImage tagless = catalog.images().get(2);
    assertEquals("tensorflow", tagless.stream());
    assertNull(tagless.tag());
    assertFalse(tagless.isDefault());
  }

  @Test
  void profileFallbackWithoutImagesIsEmpty() {
    Catalog catalog = NotebookImages.fromProfiles(config(profile("globs", "*")));

    assertEquals(List.of(), catalog.images());
    assertTrue(catalog.defaultImage().isEmpty());
  }

  static PolicyConfig offering(String yaml) {
    return io.hubpolicy.engine.Engines.ruleBase(yaml).config();
  }

  @Test
  void theConfigurationsImagesAreTheFileModeCatalogWithTheirNames() {
    PolicyConfig c =
        offering(
            """
            profiles: [{name: p, images: ['from-profile:1']}]
            images:
            - {image: 'nb:1', displayName: Notebook, description: 'A notebook'}
            - {image: 'gpu:2', groups: [gpu], default: true}
            - {image: 'glob-*'}
            """);
    Catalog all = NotebookImages.fromProfiles(c);
    assertEquals(Catalog.CONFIGURATION, all.source());
    assertEquals(List.of("nb:1", "gpu:2"), names(all), "globs name no image to pick");
    assertEquals("Notebook", all.images().get(0).displayName());
    assertEquals("A notebook", all.images().get(0).description());
    assertEquals(List.of("gpu:2"), defaults(all));

    Catalog forAna = NotebookImages.forUser(all, c.images(), "ana", List.of());
    assertEquals(List.of("nb:1"), names(forAna), "gpu:2 is for the gpu group");
    assertEquals(List.of("nb:1"), defaults(forAna), "the first offered becomes the default");
    Catalog forGi = NotebookImages.forUser(all, c.images(), "gi", List.of("gpu"));
    assertEquals(List.of("nb:1", "gpu:2"), names(forGi));
    assertEquals(List.of("gpu:2"), defaults(forGi));
  }

  @Test
  void aGlobEntryOffersTheCatalogsImagesItMatches() {
    PolicyConfig c = offering("profiles: []\nimages: [{image: 'team-*', users: [ana]}]\n");
    Catalog streams =
        NotebookImages.fromImageStreams(
            List.of(
                ImageStreams.stream("team-a").order("1").tag("1").build(),
                ImageStreams.stream("other").order("2").tag("1").build()));
    assertEquals(List.of("team-a:1", "other:1"), names(streams));
    assertEquals(
        List.of("team-a:1"), names(NotebookImages.forUser(streams, c.images(), "ana", List.of())));
    assertEquals(List.of(), names(NotebookImages.forUser(streams, c.images(), "bo", List.of())));
  }

  public static PolicyConfig config(Profile... profiles) {
    return new PolicyConfig(
        List.of(profiles), List.of(), List.of(), Map.of(), List.of("test"), List.of());
  }

  public static Profile profile(String name, String... images) {
    return new Profile(
        0,
        name,
        SourceRef.UNKNOWN,
        null,
        null,
        List.of(images),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  public static List<String> names(Catalog catalog) {
    return catalog.images().stream().map(NotebookImage::name).toList();
  }

  public static List<String> defaults(Catalog catalog) {
    return catalog.images().stream()
        .filter(NotebookImage::isDefault)
        .map(NotebookImage::name)
        .toList();
  }

  private static void assertWarning(Catalog catalog, String... parts) {
    assertTrue(
        catalog.warnings().stream().anyMatch(w -> List.of(parts).stream().allMatch(w::contains)),
        "no warning containing " + List.of(parts) + " in " + catalog.warnings());
  }
}
