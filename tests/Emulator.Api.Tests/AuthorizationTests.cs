using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

/// <summary>
/// The API server's authorization: <c>system:masters</c> does anything, everyone else what RBAC grants; refusals are
/// the API server's 403 with its wording; impersonating takes the <c>impersonate</c> verb.
/// </summary>
public sealed class AuthorizationTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private const string Rbac = "/apis/rbac.authorization.k8s.io/v1";

    private static (string, string)[] As(string user, params string[] groups) =>
        [("Impersonate-User", user), .. groups.Select(g => ("Impersonate-Group", g))];

    private async Task Create(string path, string json)
    {
        var (status, body) = await api.Send(HttpMethod.Post, path, JsonNode.Parse(json));
        Assert.True(status == 201, body.ToJsonString());
    }

    [Fact]
    public async Task A_user_without_a_binding_is_forbidden_with_the_api_servers_wording()
    {
        var (list, listed) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods", headers: As("nobody"));
        Assert.Equal(403, list);
        Assert.Equal("Forbidden", listed["reason"]!.GetValue<string>());
        Assert.Equal("pods is forbidden: User \"nobody\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"", listed["message"]!.GetValue<string>());
        Assert.Equal("""{"kind":"pods"}""", listed["details"]!.ToJsonString());

        var (_, named) = await api.Send(HttpMethod.Get, "/apis/apps/v1/namespaces/default/deployments/web", headers: As("nobody"));
        Assert.Equal("deployments.apps \"web\" is forbidden: User \"nobody\" cannot get resource \"deployments\" in API group \"apps\" in the namespace \"default\"", named["message"]!.GetValue<string>());
        Assert.Equal("""{"name":"web","group":"apps","kind":"deployments"}""", named["details"]!.ToJsonString());

        var (_, scaled) = await api.Send(HttpMethod.Put, "/apis/apps/v1/namespaces/default/deployments/web/scale", new JsonObject(), headers: As("nobody"));
        Assert.Equal("deployments.apps \"web\" is forbidden: User \"nobody\" cannot update resource \"deployments/scale\" in API group \"apps\" in the namespace \"default\"", scaled["message"]!.GetValue<string>());

        var (_, cluster) = await api.Send(HttpMethod.Get, "/api/v1/nodes?watch=true", headers: As("nobody"));
        Assert.Equal("nodes is forbidden: User \"nobody\" cannot watch resource \"nodes\" in API group \"\" at the cluster scope", cluster["message"]!.GetValue<string>());

        var (_, collection) = await api.Send(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps", headers: As("nobody"));
        Assert.Equal("configmaps is forbidden: User \"nobody\" cannot deletecollection resource \"configmaps\" in API group \"\" in the namespace \"default\"", collection["message"]!.GetValue<string>());

        var (path, pathRefusal) = await api.Send(HttpMethod.Get, "/emulator/v1/nodes", headers: As("nobody"));
        Assert.Equal((403, "forbidden: User \"nobody\" cannot get path \"/emulator/v1/nodes\""), (path, pathRefusal["message"]!.GetValue<string>()));

        // Discovery and the health checks are every authenticated user's (system:discovery, system:public-info-viewer).
        Assert.Equal(200, (await api.Send(HttpMethod.Get, "/apis", headers: As("nobody"))).Status);
        Assert.Equal(200, (await api.Send(HttpMethod.Get, "/api/v1", headers: As("nobody"))).Status);
        // The anonymous user is unauthenticated: health checks yes, discovery no.
        Assert.Equal(403, (await api.Send(HttpMethod.Get, "/apis", headers: As("system:anonymous"))).Status);
        // system:masters needs no binding.
        Assert.Equal(200, (await api.Send(HttpMethod.Get, "/api/v1/nodes", headers: As("root", "system:masters"))).Status);
    }

    [Fact]
    public async Task A_binding_grants_its_roles_rules_in_its_namespace_only()
    {
        await Create("/api/v1/namespaces", """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"granted"}}""");
        await Create(Rbac + "/namespaces/granted/roles", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"reader","namespace":"granted"},
             "rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list"]},
                      {"apiGroups":["apps"],"resources":["*/scale"],"verbs":["get"]},
                      {"apiGroups":[""],"resources":["secrets"],"resourceNames":["public"],"verbs":["get"]}]}
            """);
        await Create(Rbac + "/namespaces/granted/rolebindings", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"readers","namespace":"granted"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"reader"},
             "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"readers"}]}
            """);
        var reader = As("ann", "readers");
        Assert.Equal(200, (await api.Send(HttpMethod.Get, "/api/v1/namespaces/granted/configmaps", headers: reader)).Status);
        Assert.Equal(403, (await api.Send(HttpMethod.Get, "/api/v1/namespaces/other/configmaps", headers: reader)).Status);
        Assert.Equal(403, (await api.Send(HttpMethod.Get, "/api/v1/configmaps", headers: reader)).Status);
        Assert.Equal(403, (await api.Send(HttpMethod.Delete, "/api/v1/namespaces/granted/configmaps/x", headers: reader)).Status);
        // */scale matches any resource's scale subresource, not the resource.
        Assert.Equal(404, (await api.Send(HttpMethod.Get, "/apis/apps/v1/namespaces/granted/deployments/web/scale", headers: reader)).Status);
        Assert.Equal(403, (await api.Send(HttpMethod.Get, "/apis/apps/v1/namespaces/granted/deployments/web", headers: reader)).Status);
        // resourceNames restrict a rule to those objects; a list naming one by field selector is for that object.
        Assert.Equal(404, (await api.Send(HttpMethod.Get, "/api/v1/namespaces/granted/secrets/public", headers: reader)).Status);
        Assert.Equal(403, (await api.Send(HttpMethod.Get, "/api/v1/namespaces/granted/secrets/private", headers: reader)).Status);

        // The review says who allowed it.
        var (_, review) = await api.Send(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", JsonNode.Parse("""
            {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"ann","groups":["readers"],"resourceAttributes":{"namespace":"granted","verb":"list","resource":"configmaps"}}}
            """));
        Assert.True(review["status"]!["allowed"]!.GetValue<bool>());
        Assert.Equal("RBAC: allowed by RoleBinding \"readers/granted\" of Role \"reader\" to Group \"readers\"", review["status"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_binding_to_a_missing_role_grants_nothing_and_says_so()
    {
        await Create(Rbac + "/clusterrolebindings", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"dangling"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"no-such-role"},
             "subjects":[{"kind":"ServiceAccount","name":"robot","namespace":"ci"}]}
            """);
        var (status, refusal) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/ci/pods", headers: As("system:serviceaccount:ci:robot"));
        Assert.Equal(403, status);
        Assert.Equal("pods is forbidden: User \"system:serviceaccount:ci:robot\" cannot list resource \"pods\" in API group \"\" in the namespace \"ci\": RBAC: clusterrole.rbac.authorization.k8s.io \"no-such-role\" not found",
            refusal["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Impersonating_takes_the_impersonate_verb_and_a_rules_review_lists_what_a_user_holds()
    {
        await Create("/api/v1/namespaces/default/serviceaccounts", """{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"deployer"}}""");
        var (_, tokenRequest) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/deployer/token", JsonNode.Parse("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}"""));
        var bearer = ("Authorization", "Bearer " + tokenRequest["status"]!["token"]!.GetValue<string>());

        var (status, refusal) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods", headers: [bearer, ("Impersonate-User", "jane")]);
        Assert.Equal(403, status);
        Assert.Equal("users \"jane\" is forbidden: User \"system:serviceaccount:default:deployer\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            refusal["message"]!.GetValue<string>());

        await Create(Rbac + "/clusterroles", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"impersonate-jane"},
             "rules":[{"apiGroups":[""],"resources":["users"],"resourceNames":["jane"],"verbs":["impersonate"]}]}
            """);
        await Create(Rbac + "/clusterrolebindings", """
            {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"deployer-impersonates-jane"},
             "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"impersonate-jane"},
             "subjects":[{"kind":"ServiceAccount","name":"deployer","namespace":"default"}]}
            """);
        // Now the service account may be jane, but not jane in another group, and jane may not list pods.
        var (asJane, janeRefusal) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods", headers: [bearer, ("Impersonate-User", "jane")]);
        Assert.Equal((403, "pods is forbidden: User \"jane\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""), (asJane, janeRefusal["message"]!.GetValue<string>()));
        var (_, groupRefusal) = await api.Send(HttpMethod.Get, "/api/v1/namespaces/default/pods", headers: [bearer, ("Impersonate-User", "jane"), ("Impersonate-Group", "system:masters")]);
        Assert.Equal("groups \"system:masters\" is forbidden: User \"system:serviceaccount:default:deployer\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope", groupRefusal["message"]!.GetValue<string>());

        var (reviewed, review) = await api.Send(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            JsonNode.Parse("""{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":"default"}}"""), headers: [bearer]);
        Assert.Equal(201, reviewed);
        var resourceRules = review["status"]!["resourceRules"]!.AsArray().Select(r => r!.ToJsonString()).ToList();
        Assert.Contains("""{"verbs":["impersonate"],"apiGroups":[""],"resources":["users"],"resourceNames":["jane"]}""", resourceRules);
        Assert.Contains("""{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"]}""", resourceRules);
        Assert.DoesNotContain(resourceRules, r => r.Contains("\"*\"", StringComparison.Ordinal));
        Assert.Contains("""{"verbs":["get"],"nonResourceURLs":["/.well-known/openid-configuration","/openid/v1/jwks"]}""",
            review["status"]!["nonResourceRules"]!.AsArray().Select(r => r!.ToJsonString()));
    }

    [Fact]
    public async Task Service_accounts_discover_the_issuer_and_verify_tokens_with_its_published_key()
    {
        await Create("/api/v1/namespaces/default/serviceaccounts", """{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"verifier"}}""");
        var (_, tokenRequest) = await api.Send(HttpMethod.Post, "/api/v1/namespaces/default/serviceaccounts/verifier/token", JsonNode.Parse("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}"""));
        var token = tokenRequest["status"]!["token"]!.GetValue<string>();
        (string, string)[] bearer = [("Authorization", "Bearer " + token)];

        var (status, configuration) = await api.Send(HttpMethod.Get, "/.well-known/openid-configuration", headers: bearer);
        Assert.Equal(200, status);
        Assert.Equal("""{"issuer":"https://kubernetes.default.svc.cluster.local","jwks_uri":"https://kubernetes.default.svc.cluster.local/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}""",
            configuration.ToJsonString());
        var (_, keys) = await api.Send(HttpMethod.Get, "/openid/v1/jwks", headers: bearer);
        var key = keys["keys"]!.AsArray().Single()!;
        Assert.Equal(("sig", "RSA", "RS256"), (key["use"]!.GetValue<string>(), key["kty"]!.GetValue<string>(), key["alg"]!.GetValue<string>()));

        // The published key verifies the token's signature, and its kid is the token's.
        static byte[] FromBase64Url(string text) => Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4));
        var parts = token.Split('.');
        Assert.Equal(key["kid"]!.GetValue<string>(), JsonNode.Parse(FromBase64Url(parts[0]))!["kid"]!.GetValue<string>());
        using var rsa = System.Security.Cryptography.RSA.Create(new System.Security.Cryptography.RSAParameters
        {
            Modulus = FromBase64Url(key["n"]!.GetValue<string>()),
            Exponent = FromBase64Url(key["e"]!.GetValue<string>()),
        });
        Assert.True(rsa.VerifyData(System.Text.Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]),
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1));

        // Service accounts may read it (system:service-account-issuer-discovery); other users need a binding.
        var (refused, refusal) = await api.Send(HttpMethod.Get, "/openid/v1/jwks", headers: As("jane"));
        Assert.Equal((403, "forbidden: User \"jane\" cannot get path \"/openid/v1/jwks\""), (refused, refusal["message"]!.GetValue<string>()));
    }
}
