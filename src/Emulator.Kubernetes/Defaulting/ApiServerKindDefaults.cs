using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Defaulting;

/// <summary>
/// Scheme defaults of the API server's own kinds: APIService (apiregistration.k8s.io/v1), FlowSchema and
/// PriorityLevelConfiguration (flowcontrol.apiserver.k8s.io/v1), ValidatingAdmissionPolicy and its binding
/// (admissionregistration.k8s.io/v1).
/// </summary>
public static class ApiServerKindDefaults
{
    /// <summary>An APIService's service reference gets port 443.</summary>
    public static void ApplyApiService(KubeObject obj)
    {
        if (obj.Spec?["service"] is JsonObject service)
        {
            JsonTree.SetDefault(service, "port", 443);
        }
    }

    /// <summary>A FlowSchema without a matching precedence gets 1000.</summary>
    public static void ApplyFlowSchema(KubeObject obj)
    {
        var spec = obj.EnsureSpec();
        if ((JsonTree.GetInt(spec, "matchingPrecedence") ?? 0) == 0)
        {
            spec["matchingPrecedence"] = 1000;
        }
    }

    /// <summary>
    /// A PriorityLevelConfiguration: exempt levels get zero shares and lendable percent; limited ones 30 nominal
    /// shares, 0 lendable percent, and queuing of 64 queues, hands of 8 and queues of 50.
    /// </summary>
    public static void ApplyPriorityLevelConfiguration(KubeObject obj)
    {
        if (obj.Spec?["exempt"] is JsonObject exempt)
        {
            JsonTree.SetDefault(exempt, "nominalConcurrencyShares", 0);
            JsonTree.SetDefault(exempt, "lendablePercent", 0);
        }
        if (obj.Spec?["limited"] is JsonObject limited)
        {
            JsonTree.SetDefault(limited, "nominalConcurrencyShares", 30);
            JsonTree.SetDefault(limited, "lendablePercent", 0);
            if (limited["limitResponse"]?["queuing"] is JsonObject queuing)
            {
                foreach (var (field, value) in new[] { ("handSize", 8), ("queues", 64), ("queueLengthLimit", 50) })
                {
                    if ((JsonTree.GetInt(queuing, field) ?? 0) == 0)
                    {
                        queuing[field] = value;
                    }
                }
            }
        }
    }

    /// <summary>A ValidatingAdmissionPolicy fails closed by default; its match constraints get their defaults.</summary>
    public static void ApplyValidatingAdmissionPolicy(KubeObject obj)
    {
        var spec = obj.EnsureSpec();
        JsonTree.SetDefaultString(spec, "failurePolicy", "Fail");
        if (spec["matchConstraints"] is JsonObject constraints)
        {
            ApplyMatchResources(constraints);
        }
    }

    /// <summary>A binding's match resources get the same defaults as a policy's.</summary>
    public static void ApplyValidatingAdmissionPolicyBinding(KubeObject obj)
    {
        if (obj.Spec?["matchResources"] is JsonObject match)
        {
            ApplyMatchResources(match);
        }
    }

    // SetDefaults_MatchResources and SetDefaults_NamedRuleWithOperations: Equivalent matching, selectors that match
    // everything, rules of any scope.
    private static void ApplyMatchResources(JsonObject match)
    {
        JsonTree.SetDefaultString(match, "matchPolicy", "Equivalent");
        JsonTree.SetDefault(match, "namespaceSelector", new JsonObject());
        JsonTree.SetDefault(match, "objectSelector", new JsonObject());
        foreach (var field in new[] { "resourceRules", "excludeResourceRules" })
        {
            foreach (var rule in JsonTree.Objects(match[field] as JsonArray))
            {
                JsonTree.SetDefaultString(rule, "scope", "*");
            }
        }
    }
}
