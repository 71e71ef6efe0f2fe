using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests.CustomResources;

public class CustomResourceDefinitionValidationTests
{
    private const string Valid = """
        # CRD
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: crontabs.stable.example.com}
        spec:
          group: stable.example.com
          scope: Namespaced
          names: {plural: crontabs, kind: CronTab, shortNames: [ct]}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec: {type: object, properties: {cronSpec: {type: string}}}
        """;

    private static KubeObject Prepared(string yaml)
    {
        var obj = ManifestReader.ReadSingle(yaml);
        ObjectDefaulter.Apply(obj);
        return obj;
    }

    private static List<string> Errors(KubeObject obj) =>
        ObjectValidator.Validate(obj, KindRegistry.Default.Resolve(obj)).Select(e => e.ToString()).ToList();

    [Fact]
    public void CustomResourceDefinition_is_served_with_short_names_crd_and_crds()
    {
        var kind = KindRegistry.Default.FindByAnyName("crds")!;
        Assert.Equal(("apiextensions.k8s.io", "v1", "CustomResourceDefinition", false), (kind.Group, kind.Version, kind.Kind, kind.Namespaced));
        Assert.Same(kind, KindRegistry.Default.FindByAnyName("crd"));
        Assert.Equal(["api-extensions"], kind.Categories);
    }

    [Fact]
    public void A_valid_CRD_is_defaulted_and_accepted()
    {
        var crd = Prepared(Valid);
        Assert.Empty(Errors(crd));
        Assert.Equal("crontab", JsonTree.GetString(crd.Document, "spec", "names", "singular"));
        Assert.Equal("CronTabList", JsonTree.GetString(crd.Document, "spec", "names", "listKind"));
        Assert.Equal("None", JsonTree.GetString(crd.Document, "spec", "conversion", "strategy"));
    }

    [Fact]
    public void A_rule_calling_an_unknown_function_is_refused_and_Kubernetes_libraries_compile()
    {
        var crd = Prepared(Valid.Replace("spec: {type: object, properties: {cronSpec: {type: string}}}",
            "spec: {type: object, properties: {cronSpec: {type: string}}, x-kubernetes-validations: [{rule: \"self.cronSpec.lowerAscii() == self.cronSpec\"}, {rule: \"self.frobnicate()\"}]}",
            StringComparison.Ordinal));
        Assert.Equal([
            "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Invalid value: "
            + "apiextensions.ValidationRule{Rule:\"self.frobnicate()\", Message:\"\", MessageExpression:\"\", Reason:(*apiextensions.FieldValueErrorReason)(nil), "
            + "FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:16: undeclared reference to 'frobnicate' (in container '')\n"
            + " | self.frobnicate()\n | ...............^",
        ], Errors(crd));
    }

    [Fact]
    public void Names_versions_and_schemas_are_checked_with_the_API_servers_wording()
    {
        var crd = Prepared(Valid
            .Replace("name: crontabs.stable.example.com", "name: crontab.stable.example.com", StringComparison.Ordinal)
            .Replace("storage: true", "storage: false", StringComparison.Ordinal)
            .Replace("cronSpec: {type: string}", "cronSpec: {}", StringComparison.Ordinal)
            .Replace("scope: Namespaced", "scope: Global", StringComparison.Ordinal));
        var errors = Errors(crd);
        Assert.Contains("metadata.name: Invalid value: \"crontab.stable.example.com\": must be spec.names.plural+\".\"+spec.group", errors);
        Assert.Contains("spec.scope: Unsupported value: \"Global\": supported values: \"Cluster\", \"Namespaced\"", errors);
        Assert.Contains(errors, e => e.StartsWith("spec.versions: Invalid value: ", StringComparison.Ordinal) && e.EndsWith("must have exactly one version marked as storage version", StringComparison.Ordinal));
        // One version: its schema is the shared one, which the API server's errors name spec.validation.
        Assert.Contains("spec.validation.openAPIV3Schema.properties[spec].properties[cronSpec].type: Required value: must not be empty for specified object fields", errors);
    }

    [Fact]
    public void A_schema_is_required_and_must_be_an_object_at_the_root()
    {
        var noSchema = Prepared(Valid[..Valid.IndexOf("    schema:", StringComparison.Ordinal)]);
        Assert.Contains("spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required", Errors(noSchema));
        var stringRoot = Prepared(Valid.Replace("        type: object\n        properties:", "        type: string\n        properties:", StringComparison.Ordinal));
        Assert.Contains("spec.validation.openAPIV3Schema.type: Invalid value: \"string\": must be object at the root", Errors(stringRoot));
    }

    [Fact]
    public void Schema_errors_name_the_version_when_the_versions_schemas_differ()
    {
        var twoVersions = Prepared(Valid + """

              - name: v2
                served: true
                storage: false
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec: {type: object, properties: {cronSpec: {}}}
            """);
        var errors = Errors(twoVersions);
        Assert.Equal(["spec.versions[1].schema.openAPIV3Schema.properties[spec].properties[cronSpec].type: Required value: must not be empty for specified object fields"], errors);
    }

    [Fact]
    public void Protected_groups_need_the_approval_annotation()
    {
        var crd = Prepared(Valid.Replace("stable.example.com", "stable.k8s.io", StringComparison.Ordinal));
        Assert.Contains("metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation \"api-approved.kubernetes.io\", see https://github.com/kubernetes/enhancements/pull/1111", Errors(crd));
    }
}
