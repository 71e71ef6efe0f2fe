using System.Text.Json.Nodes;
using Emulator.Kubernetes.Defaulting;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Schema;
using Emulator.Kubernetes.Serialization;
using Emulator.Kubernetes.Validation;

namespace Emulator.Kubernetes.Tests;

/// <summary>
/// The API server's own kinds added for 1.33's resource list: how they are served, defaulted and validated (Kubernetes'
/// wording), and the reviews' request checks.
/// </summary>
public class ApiServerKindsTests
{
    private static KubeObject Prepared(string yaml)
    {
        var obj = ManifestReader.ReadSingle("# test\n" + yaml);
        ObjectDefaulter.Apply(obj);
        return obj;
    }

    private static List<string> Errors(string yaml)
    {
        var obj = Prepared(yaml);
        return ObjectValidator.Validate(obj, KindRegistry.Default.Resolve(obj)).Select(e => e.ToString()).ToList();
    }

    [Theory]
    [InlineData("bindings", "", "Binding", true, "", "create", false)]
    [InlineData("cs", "", "ComponentStatus", false, "", "get,list", false)]
    [InlineData("ns", "", "Namespace", false, "", "create,delete,get,list,patch,update,watch", true)]
    [InlineData("apiservices", "apiregistration.k8s.io", "APIService", false, "api-extensions", "create,delete,deletecollection,get,list,patch,update,watch", true)]
    [InlineData("flowschemas", "flowcontrol.apiserver.k8s.io", "FlowSchema", false, "", "create,delete,deletecollection,get,list,patch,update,watch", true)]
    [InlineData("prioritylevelconfigurations", "flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration", false, "", "create,delete,deletecollection,get,list,patch,update,watch", true)]
    [InlineData("validatingadmissionpolicies", "admissionregistration.k8s.io", "ValidatingAdmissionPolicy", false, "api-extensions", "create,delete,deletecollection,get,list,patch,update,watch", true)]
    [InlineData("validatingadmissionpolicybindings", "admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding", false, "api-extensions", "create,delete,deletecollection,get,list,patch,update,watch", true)]
    [InlineData("csistoragecapacities", "storage.k8s.io", "CSIStorageCapacity", true, "", "create,delete,deletecollection,get,list,patch,update,watch", true)]
    [InlineData("ip", "networking.k8s.io", "IPAddress", false, "", "create,delete,deletecollection,get,list,patch,update,watch", true)]
    [InlineData("servicecidrs", "networking.k8s.io", "ServiceCIDR", false, "", "create,delete,deletecollection,get,list,patch,update,watch", true)]
    [InlineData("tokenreviews", "authentication.k8s.io", "TokenReview", false, "", "create", false)]
    [InlineData("selfsubjectreviews", "authentication.k8s.io", "SelfSubjectReview", false, "", "create", false)]
    [InlineData("subjectaccessreviews", "authorization.k8s.io", "SubjectAccessReview", false, "", "create", false)]
    [InlineData("selfsubjectaccessreviews", "authorization.k8s.io", "SelfSubjectAccessReview", false, "", "create", false)]
    [InlineData("selfsubjectrulesreviews", "authorization.k8s.io", "SelfSubjectRulesReview", false, "", "create", false)]
    [InlineData("localsubjectaccessreviews", "authorization.k8s.io", "LocalSubjectAccessReview", true, "", "create", false)]
    public void Each_resource_is_served_with_the_verbs_and_scope_of_1_33(string typed, string group, string kind, bool namespaced, string category, string verbs, bool stored)
    {
        var info = KindRegistry.Default.FindByAnyName(typed)!;
        Assert.Equal((group, "v1", kind, namespaced, stored), (info.Group, info.Version, info.Kind, info.Namespaced, info.Stored));
        Assert.Equal(category.Length == 0 ? [] : [category], info.Categories);
        Assert.Equal(verbs, string.Join(",", info.ServedVerbs));
        Assert.NotNull(FieldSchema.Default.Find(info.SchemaType));
    }

    [Fact]
    public void Kinds_that_1_33_serves_only_in_beta_or_alpha_are_not_served()
    {
        foreach (var resource in new[] { "volumeattributesclasses", "storageversionmigrations", "resourceclaims", "deviceclasses", "leasecandidates", "mutatingadmissionpolicies", "clustertrustbundles" })
        {
            Assert.Null(KindRegistry.Default.FindByAnyName(resource));
        }
    }

    [Fact]
    public void An_apiservice_is_named_version_dot_group_and_local_ones_carry_no_ca_bundle()
    {
        Assert.Empty(Errors("{apiVersion: apiregistration.k8s.io/v1, kind: APIService, metadata: {name: v1.}, spec: {version: v1, groupPriorityMinimum: 18000, versionPriority: 1}}"));
        Assert.Equal(
            [
                "metadata.name: Invalid value: \"v1.apps\": must be `spec.version+\".\"+spec.group`: \"v1beta1.apps\"",
                "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
                "spec.versionPriority: Invalid value: 1001: must be positive and less than 1000",
            ],
            Errors("{apiVersion: apiregistration.k8s.io/v1, kind: APIService, metadata: {name: v1.apps}, spec: {group: apps, version: v1beta1, versionPriority: 1001}}"));
        Assert.Equal(
            ["spec.caBundle: Invalid value: \"2 bytes\": local APIServices may not have a caBundle"],
            Errors("{apiVersion: apiregistration.k8s.io/v1, kind: APIService, metadata: {name: v1.x.io}, spec: {group: x.io, version: v1, caBundle: AAE=, groupPriorityMinimum: 100, versionPriority: 10}}"));
        var remote = Prepared("{apiVersion: apiregistration.k8s.io/v1, kind: APIService, metadata: {name: v1beta1.metrics.k8s.io}, spec: {group: metrics.k8s.io, version: v1beta1, service: {namespace: kube-system, name: metrics-server}, insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100}}");
        Assert.Equal(443, JsonTree.GetInt(remote.Spec, "service", "port"));
        Assert.Empty(ObjectValidator.Validate(remote, KindRegistry.Default.Resolve(remote)));
    }

    [Fact]
    public void Flow_schemas_default_their_precedence_and_validate_rules_and_references()
    {
        var schema = Prepared("""
            apiVersion: flowcontrol.apiserver.k8s.io/v1
            kind: FlowSchema
            metadata: {name: team}
            spec:
              priorityLevelConfiguration: {name: workload-low}
              distinguisherMethod: {type: ByUser}
              rules:
              - subjects: [{kind: Group, group: {name: team}}]
                resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"]}]
            """);
        Assert.Equal(1000, JsonTree.GetInt(schema.Spec, "matchingPrecedence"));
        Assert.Empty(ObjectValidator.Validate(schema, KindRegistry.Default.Resolve(schema)));
        Assert.Equal(
            [
                "spec.matchingPrecedence: Invalid value: 20000: must not be greater than 10000",
                "spec.distinguisherMethod.type: Unsupported value: \"ByHost\": supported values: \"ByNamespace\", \"ByUser\"",
                "spec.priorityLevelConfiguration.name: Required value: must reference a priority level",
                "spec.rules[0].subjects[0].user.name: Required value: username is required",
                "spec.rules[0].resourceRules[0].namespaces: Required value: resource rules that are not cluster scoped must supply at least one namespace",
            ],
            Errors("""
                apiVersion: flowcontrol.apiserver.k8s.io/v1
                kind: FlowSchema
                metadata: {name: bad}
                spec:
                  matchingPrecedence: 20000
                  distinguisherMethod: {type: ByHost}
                  priorityLevelConfiguration: {}
                  rules:
                  - subjects: [{kind: User, user: {}}]
                    resourceRules: [{verbs: [get], apiGroups: [""], resources: [pods]}]
                """));
    }

    [Fact]
    public void Priority_levels_default_their_queuing_and_keep_hands_within_the_queues()
    {
        var level = Prepared("{apiVersion: flowcontrol.apiserver.k8s.io/v1, kind: PriorityLevelConfiguration, metadata: {name: team}, spec: {type: Limited, limited: {limitResponse: {type: Queue, queuing: {}}}}}");
        Assert.Equal("""{"limitResponse":{"type":"Queue","queuing":{"handSize":8,"queues":64,"queueLengthLimit":50}},"nominalConcurrencyShares":30,"lendablePercent":0}""",
            JsonTree.ToCompactJson(level.Spec!["limited"]));
        Assert.Equal(
            [
                "spec.limited.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive",
                "spec.limited.limitResponse.queuing.handSize: Invalid value: 10: should not be greater than queues (4)",
            ],
            Errors("{apiVersion: flowcontrol.apiserver.k8s.io/v1, kind: PriorityLevelConfiguration, metadata: {name: t}, spec: {type: Limited, limited: {lendablePercent: 101, limitResponse: {type: Queue, queuing: {queues: 4, handSize: 10}}}}}"));
        Assert.Equal(["spec.limited: Required value: must not be empty when type is Limited"],
            Errors("{apiVersion: flowcontrol.apiserver.k8s.io/v1, kind: PriorityLevelConfiguration, metadata: {name: t}, spec: {type: Limited}}"));
        Assert.Equal(["spec.type: Unsupported value: \"Fast\": supported values: \"Exempt\", \"Limited\""],
            Errors("{apiVersion: flowcontrol.apiserver.k8s.io/v1, kind: PriorityLevelConfiguration, metadata: {name: t}, spec: {type: Fast}}"));
    }

    [Fact]
    public void Validating_admission_policies_and_bindings_are_defaulted_and_checked_without_evaluating_cel()
    {
        var policy = Prepared("""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata: {name: replicas}
            spec:
              matchConstraints:
                resourceRules: [{apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}]
              validations: [{expression: "object.spec.replicas <= 5"}]
            """);
        Assert.Equal("Fail", JsonTree.GetString(policy.Spec, "failurePolicy"));
        Assert.Equal("""{"resourceRules":[{"apiGroups":["apps"],"apiVersions":["v1"],"operations":["CREATE","UPDATE"],"resources":["deployments"],"scope":"*"}],"matchPolicy":"Equivalent","namespaceSelector":{},"objectSelector":{}}""",
            JsonTree.ToCompactJson(policy.Spec!["matchConstraints"]));
        Assert.Empty(ObjectValidator.Validate(policy, KindRegistry.Default.Resolve(policy)));
        Assert.Equal(
            [
                "spec.matchConstraints: Required value",
                "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
            ],
            Errors("{apiVersion: admissionregistration.k8s.io/v1, kind: ValidatingAdmissionPolicy, metadata: {name: empty}, spec: {}}"));
        Assert.Equal(
            [
                "spec.validationActions[1]: Unsupported value: \"Block\": supported values: \"Audit\", \"Deny\", \"Warn\"",
                "spec.validationActions: Invalid value: [\"Deny\",\"Block\",\"Warn\"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)",
                "spec.paramRef.parameterNotFoundAction: Required value",
            ],
            Errors("{apiVersion: admissionregistration.k8s.io/v1, kind: ValidatingAdmissionPolicyBinding, metadata: {name: b}, spec: {policyName: replicas, validationActions: [Deny, Block, Warn], paramRef: {name: limits}}}"));
    }

    [Fact]
    public void Storage_capacities_ip_addresses_and_service_cidrs_validate_as_1_33_does()
    {
        Assert.Equal(["capacity: Invalid value: \"-1Gi\": must be greater than or equal to 0"],
            Errors("{apiVersion: storage.k8s.io/v1, kind: CSIStorageCapacity, metadata: {name: c, namespace: default}, storageClassName: standard, capacity: -1Gi}"));
        Assert.Equal(["storageClassName: Required value"],
            Errors("{apiVersion: storage.k8s.io/v1, kind: CSIStorageCapacity, metadata: {name: c, namespace: default}}"));

        Assert.Empty(Errors("{apiVersion: networking.k8s.io/v1, kind: IPAddress, metadata: {name: 10.96.0.10}, spec: {parentRef: {group: '', resource: services, namespace: default, name: dns}}}"));
        Assert.Empty(Errors("{apiVersion: networking.k8s.io/v1, kind: IPAddress, metadata: {name: '2001:db8::a'}, spec: {parentRef: {resource: services, name: dns}}}"));
        Assert.Equal(["metadata.name: Invalid value: \"2001:db8:0::a\": must be a canonical format IP address"],
            Errors("{apiVersion: networking.k8s.io/v1, kind: IPAddress, metadata: {name: '2001:db8:0::a'}, spec: {parentRef: {resource: services, name: dns}}}"));
        Assert.Equal(["metadata.name: Invalid value: \"web\": ParseAddr(\"web\"): unable to parse IP", "spec.parentRef: Required value"],
            Errors("{apiVersion: networking.k8s.io/v1, kind: IPAddress, metadata: {name: web}}"));

        Assert.Empty(Errors("{apiVersion: networking.k8s.io/v1, kind: ServiceCIDR, metadata: {name: extra}, spec: {cidrs: [10.100.0.0/16, 'fd00:10:96::/112']}}"));
        Assert.Equal(["spec.cidrs[0]: Invalid value: \"10.100.0.0\": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"],
            Errors("{apiVersion: networking.k8s.io/v1, kind: ServiceCIDR, metadata: {name: bad}, spec: {cidrs: [10.100.0.0]}}"));
        Assert.Equal(["spec.cidrs: Invalid value: [\"10.100.0.0/16\",\"10.200.0.0/16\"]: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64"],
            Errors("{apiVersion: networking.k8s.io/v1, kind: ServiceCIDR, metadata: {name: two}, spec: {cidrs: [10.100.0.0/16, 10.200.0.0/16]}}"));
        var cidr = Prepared("{apiVersion: networking.k8s.io/v1, kind: ServiceCIDR, metadata: {name: c}, spec: {cidrs: [10.100.0.0/16]}}");
        var changed = Prepared("{apiVersion: networking.k8s.io/v1, kind: ServiceCIDR, metadata: {name: c}, spec: {cidrs: [10.101.0.0/16]}}");
        Assert.Equal(["spec.cidrs: Invalid value: [\"10.101.0.0/16\"]: field is immutable"],
            ObjectValidator.ValidateUpdate(changed, cidr, KindRegistry.Default.Resolve(cidr)).Select(e => e.ToString()));
    }

    [Fact]
    public void Access_reviews_need_exactly_one_kind_of_attributes_and_a_subject()
    {
        static List<string> ReviewErrors(string yaml, Action<KubeObject, List<FieldError>> validate)
        {
            var errors = new List<FieldError>();
            validate(ManifestReader.ReadSingle("# review\n" + yaml), errors);
            return errors.Select(e => e.ToString()).ToList();
        }

        Assert.Equal(
            [
                "spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified",
                "spec.user: Invalid value: \"\": at least one of user or group must be specified",
            ],
            ReviewErrors("{apiVersion: authorization.k8s.io/v1, kind: SubjectAccessReview, spec: {}}", ReviewValidation.ValidateSubjectAccessReview));
        Assert.Equal(["spec.nonResourceAttributes: Invalid value: {\"path\":\"/healthz\",\"verb\":\"get\"}: cannot be specified in combination with resourceAttributes"],
            ReviewErrors("{apiVersion: authorization.k8s.io/v1, kind: SelfSubjectAccessReview, spec: {resourceAttributes: {verb: get, resource: pods}, nonResourceAttributes: {path: /healthz, verb: get}}}", ReviewValidation.ValidateSelfSubjectAccessReview));
        Assert.Equal(["spec.resourceAttributes.namespace: Invalid value: \"other\": must match metadata.namespace"],
            ReviewErrors("{apiVersion: authorization.k8s.io/v1, kind: LocalSubjectAccessReview, metadata: {namespace: team}, spec: {user: jane, resourceAttributes: {namespace: other, verb: get, resource: pods}}}", ReviewValidation.ValidateLocalSubjectAccessReview));
        Assert.Empty(ReviewErrors("{apiVersion: authorization.k8s.io/v1, kind: SubjectAccessReview, spec: {groups: [dev], nonResourceAttributes: {path: /healthz, verb: get}}}", ReviewValidation.ValidateSubjectAccessReview));
    }

    [Fact]
    public void Review_bodies_decode_against_their_go_types()
    {
        var kind = KindRegistry.Default.FindByAnyName("selfsubjectaccessreviews")!;
        var document = JsonNode.Parse("""{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":"pods"}}""")!.AsObject();
        Assert.Equal("json: cannot unmarshal string into Go struct field SelfSubjectAccessReviewSpec.spec.resourceAttributes of type v1.ResourceAttributes",
            Decoding.TypedDecoder.FindError(document, FieldSchema.Default.Find(kind.SchemaType)!));
    }
}
