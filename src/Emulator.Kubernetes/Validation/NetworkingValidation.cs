using System.Net;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of networking.k8s.io/v1 Ingress, IngressClass and NetworkPolicy (<c>pkg/apis/networking/validation</c>).</summary>
public static class NetworkingValidation
{
    private static readonly string[] PathTypes = ["Exact", "ImplementationSpecific", "Prefix"];
    private static readonly string[] PolicyProtocols = ["TCP", "UDP", "SCTP"];
    private static readonly string[] PolicyTypes = ["Ingress", "Egress"];
    private static readonly string[] ParameterScopes = ["Cluster", "Namespace"];

    /// <summary>Ingress: a default backend or rules; valid hosts, absolute paths with a pathType, one backend each.</summary>
    public static void ValidateIngress(KubeObject ingress, List<FieldError> errors)
    {
        var spec = ingress.Spec ?? new JsonObject();
        var rules = spec["rules"] as JsonArray;
        if (spec["defaultBackend"] is not JsonObject && rules is not { Count: > 0 })
        {
            errors.Add(FieldError.Invalid("spec", spec, "either `defaultBackend` or `rules` must be specified"));
        }
        if (spec["defaultBackend"] is JsonObject defaultBackend)
        {
            ValidateBackend(defaultBackend, "spec.defaultBackend", errors);
        }
        if (JsonTree.GetString(spec, "ingressClassName") is { } className)
        {
            foreach (var message in NameSyntax.IsDns1123Subdomain(className))
            {
                errors.Add(FieldError.Invalid("spec.ingressClassName", className, message));
            }
        }
        var t = 0;
        foreach (var tls in JsonTree.Objects(spec["tls"] as JsonArray))
        {
            var h = 0;
            foreach (var host in (tls["hosts"] as JsonArray ?? []).Select(JsonTree.AsString))
            {
                ValidateHost(host ?? "", $"spec.tls[{t}].hosts[{h++}]", errors);
            }
            t++;
        }
        var r = 0;
        foreach (var rule in JsonTree.Objects(rules))
        {
            var path = $"spec.rules[{r++}]";
            if (JsonTree.GetString(rule, "host") is { Length: > 0 } host)
            {
                ValidateHost(host, path + ".host", errors);
            }
            if (rule["http"] is not JsonObject http)
            {
                continue;
            }
            if (http["paths"] is not JsonArray { Count: > 0 } paths)
            {
                errors.Add(FieldError.Required(path + ".http.paths"));
                continue;
            }
            var p = 0;
            foreach (var entry in JsonTree.Objects(paths))
            {
                ValidatePath(entry, $"{path}.http.paths[{p++}]", errors);
            }
        }
    }

    private static void ValidateHost(string host, string path, List<FieldError> errors)
    {
        if (IPAddress.TryParse(host, out _))
        {
            errors.Add(FieldError.Invalid(path, host, "must be a DNS name, not an IP address"));
        }
        // A wildcard is allowed as the whole first label only.
        var name = host.StartsWith("*.", StringComparison.Ordinal) ? "a" + host[1..] : host;
        foreach (var message in NameSyntax.IsDns1123Subdomain(name))
        {
            errors.Add(FieldError.Invalid(path, host, host.Contains('*', StringComparison.Ordinal)
                ? "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                : message));
        }
    }

    private static void ValidatePath(JsonObject entry, string path, List<FieldError> errors)
    {
        var value = JsonTree.GetString(entry, "path") ?? "";
        var pathType = JsonTree.GetString(entry, "pathType");
        if (string.IsNullOrEmpty(pathType))
        {
            errors.Add(FieldError.Required(path + ".pathType", "pathType must be specified"));
        }
        else if (!PathTypes.Contains(pathType))
        {
            errors.Add(FieldError.NotSupported(path + ".pathType", pathType, PathTypes));
        }
        else if ((pathType != "ImplementationSpecific" || value.Length > 0) && !value.StartsWith('/'))
        {
            errors.Add(FieldError.Invalid(path + ".path", value, "must be an absolute path"));
        }
        ValidateBackend(entry["backend"] as JsonObject ?? new JsonObject(), path + ".backend", errors);
    }

    // validateIngressBackend: a service (name and one port) or a resource, not both.
    private static void ValidateBackend(JsonObject backend, string path, List<FieldError> errors)
    {
        var service = backend["service"] as JsonObject;
        var resource = backend["resource"] as JsonObject;
        if (service is not null && resource is not null)
        {
            errors.Add(FieldError.Invalid(path, "", "cannot set both resource and service backends"));
            return;
        }
        if (resource is not null)
        {
            if (string.IsNullOrEmpty(JsonTree.GetString(resource, "kind")))
            {
                errors.Add(FieldError.Required(path + ".resource.kind"));
            }
            if (string.IsNullOrEmpty(JsonTree.GetString(resource, "name")))
            {
                errors.Add(FieldError.Required(path + ".resource.name"));
            }
            return;
        }
        if (service is null)
        {
            errors.Add(FieldError.Invalid(path, "", "resource or service backend is required"));
            return;
        }
        var name = JsonTree.GetString(service, "name") ?? "";
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".service.name"));
        }
        else
        {
            foreach (var message in NameSyntax.IsDns1035Label(name))
            {
                errors.Add(FieldError.Invalid(path + ".service.name", name, message));
            }
        }
        var portName = JsonTree.GetString(service, "port", "name") ?? "";
        var portNumber = JsonTree.GetInt(service, "port", "number") ?? 0;
        if (portName.Length > 0 && portNumber != 0)
        {
            errors.Add(FieldError.Invalid(path, "", "cannot set both port name & port number"));
        }
        else if (portName.Length > 0)
        {
            foreach (var message in NameSyntax.IsValidPortName(portName))
            {
                errors.Add(FieldError.Invalid(path + ".service.port.name", portName, message));
            }
        }
        else if (portNumber != 0)
        {
            foreach (var message in NameSyntax.IsValidPortNumber(portNumber))
            {
                errors.Add(FieldError.Invalid(path + ".service.port.number", portNumber, message));
            }
        }
        else
        {
            errors.Add(FieldError.Required(path, "port name or number is required"));
        }
    }

    /// <summary>IngressClass: a domain-prefixed controller, and parameters naming a kind and an object.</summary>
    public static void ValidateIngressClass(KubeObject ingressClass, List<FieldError> errors)
    {
        var spec = ingressClass.Spec ?? new JsonObject();
        var controller = JsonTree.GetString(spec, "controller") ?? "";
        if (controller.Length == 0)
        {
            errors.Add(FieldError.Required("spec.controller"));
        }
        else if (controller.Length > 250)
        {
            errors.Add(FieldError.TooLong("spec.controller", 250));
        }
        else if (!IsDomainPrefixedPath(controller))
        {
            errors.Add(FieldError.Invalid("spec.controller", controller, "must be a domain-prefixed path (such as \"acme.io/foo\")"));
        }
        if (spec["parameters"] is JsonObject parameters)
        {
            if (string.IsNullOrEmpty(JsonTree.GetString(parameters, "kind")))
            {
                errors.Add(FieldError.Required("spec.parameters.kind"));
            }
            if (string.IsNullOrEmpty(JsonTree.GetString(parameters, "name")))
            {
                errors.Add(FieldError.Required("spec.parameters.name"));
            }
            var scope = JsonTree.GetString(parameters, "scope");
            if (scope is not null && !ParameterScopes.Contains(scope))
            {
                errors.Add(FieldError.NotSupported("spec.parameters.scope", scope, ParameterScopes));
            }
            if (scope == "Namespace" && string.IsNullOrEmpty(JsonTree.GetString(parameters, "namespace")))
            {
                errors.Add(FieldError.Required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"));
            }
            if (scope != "Namespace" && JsonTree.GetString(parameters, "namespace") is { Length: > 0 })
            {
                errors.Add(FieldError.Forbidden("spec.parameters.namespace", "`parameters.scope` is set to 'Cluster'"));
            }
        }
    }

    /// <summary>IngressClass updates: the controller is immutable.</summary>
    public static void ValidateIngressClassUpdate(KubeObject updated, KubeObject old, List<FieldError> errors) =>
        MetadataValidation.Immutable(JsonTree.GetString(updated.Document, "spec", "controller"), JsonTree.GetString(old.Document, "spec", "controller"), "spec.controller", errors);

    // IsDomainPrefixedPath: a DNS subdomain, then a non-empty path.
    private static bool IsDomainPrefixedPath(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < value.Length - 1 && NameSyntax.IsDns1123Subdomain(value[..slash]).Count == 0;
    }

    /// <summary>NetworkPolicy: a valid pod selector, ports, peers and policy types.</summary>
    public static void ValidateNetworkPolicy(KubeObject policy, List<FieldError> errors)
    {
        var spec = policy.Spec ?? new JsonObject();
        LabelValidation.ValidateSelector(spec["podSelector"], "spec.podSelector", errors);
        foreach (var (rules, peers) in new[] { ("ingress", "from"), ("egress", "to") })
        {
            var i = 0;
            foreach (var rule in JsonTree.Objects(spec[rules] as JsonArray))
            {
                var rulePath = $"spec.{rules}[{i++}]";
                var p = 0;
                foreach (var port in JsonTree.Objects(rule["ports"] as JsonArray))
                {
                    ValidatePolicyPort(port, $"{rulePath}.ports[{p++}]", errors);
                }
                var q = 0;
                foreach (var peer in JsonTree.Objects(rule[peers] as JsonArray))
                {
                    ValidatePeer(peer, $"{rulePath}.{peers}[{q++}]", errors);
                }
            }
        }
        var types = spec["policyTypes"] as JsonArray ?? [];
        for (var i = 0; i < types.Count; i++)
        {
            var type = JsonTree.AsString(types[i]) ?? "";
            if (!PolicyTypes.Contains(type))
            {
                errors.Add(FieldError.NotSupported($"spec.policyTypes[{i}]", type, PolicyTypes));
            }
        }
        if (types.Count > 2)
        {
            errors.Add(FieldError.Invalid("spec.policyTypes", types, "may not specify more than two policyTypes"));
        }
    }

    // ValidateNetworkPolicyPort.
    private static void ValidatePolicyPort(JsonObject port, string path, List<FieldError> errors)
    {
        if (JsonTree.GetString(port, "protocol") is { } protocol && !PolicyProtocols.Contains(protocol))
        {
            errors.Add(FieldError.NotSupported(path + ".protocol", protocol, PolicyProtocols));
        }
        var endPort = JsonTree.GetInt(port, "endPort");
        switch (port["port"])
        {
            case null:
                if (endPort is { } end)
                {
                    errors.Add(FieldError.Invalid(path + ".endPort", end, "may not be specified when `port` is not specified"));
                }
                break;
            case var value when JsonTree.AsString(value) is { } name:
                if (endPort is { } named)
                {
                    errors.Add(FieldError.Invalid(path + ".endPort", named, "may not be specified when `port` is non-numeric"));
                }
                foreach (var message in NameSyntax.IsValidPortName(name))
                {
                    errors.Add(FieldError.Invalid(path + ".port", name, message));
                }
                break;
            case var value:
                var number = JsonTree.AsInt(value) ?? 0;
                foreach (var message in NameSyntax.IsValidPortNumber(number))
                {
                    errors.Add(FieldError.Invalid(path + ".port", number, message));
                }
                if (endPort is { } last)
                {
                    if (last < number)
                    {
                        errors.Add(FieldError.Invalid(path + ".endPort", number, "must be greater than or equal to `port`"));
                    }
                    foreach (var message in NameSyntax.IsValidPortNumber(last))
                    {
                        errors.Add(FieldError.Invalid(path + ".endPort", last, message));
                    }
                }
                break;
        }
    }

    // ValidateNetworkPolicyPeer: selectors (together allowed) or an ipBlock alone.
    private static void ValidatePeer(JsonObject peer, string path, List<FieldError> errors)
    {
        var count = 0;
        foreach (var selector in new[] { "podSelector", "namespaceSelector" })
        {
            if (peer[selector] is JsonObject value)
            {
                count++;
                LabelValidation.ValidateSelector(value, $"{path}.{selector}", errors);
            }
        }
        if (peer["ipBlock"] is JsonObject block)
        {
            count++;
            ValidateIpBlock(block, path + ".ipBlock", errors);
        }
        if (count == 0)
        {
            errors.Add(FieldError.Required(path, "must specify a peer"));
        }
        else if (count > 1 && peer["ipBlock"] is JsonObject)
        {
            errors.Add(FieldError.Forbidden(path, "may not specify both ipBlock and another peer"));
        }
    }

    private static void ValidateIpBlock(JsonObject block, string path, List<FieldError> errors)
    {
        var cidr = JsonTree.GetString(block, "cidr") ?? "";
        if (cidr.Length == 0)
        {
            errors.Add(FieldError.Required(path + ".cidr"));
            return;
        }
        if (ParseCidr(cidr) is not { } network)
        {
            errors.Add(FieldError.Invalid(path + ".cidr", cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
            return;
        }
        var except = block["except"] as JsonArray ?? [];
        for (var i = 0; i < except.Count; i++)
        {
            var text = JsonTree.AsString(except[i]) ?? "";
            var exceptPath = $"{path}.except[{i}]";
            if (ParseCidr(text) is not { } excluded)
            {
                errors.Add(FieldError.Invalid(exceptPath, text, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
            }
            else if (excluded.PrefixLength <= network.PrefixLength || !network.Contains(excluded.BaseAddress))
            {
                errors.Add(FieldError.Invalid(exceptPath, text, "must be a strict subset of `cidr`"));
            }
        }
    }

    // Kubernetes parses these CIDRs leniently (ParseCIDRSloppy): host bits may be set ("10.0.0.1/8").
    private static IPNetwork? ParseCidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !IPAddress.TryParse(text[..slash], out var address) || text[..slash].Contains('%', StringComparison.Ordinal)
            || !int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix))
        {
            return null;
        }
        var bytes = address.GetAddressBytes();
        if (prefix > bytes.Length * 8)
        {
            return null;
        }
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return new IPNetwork(new IPAddress(bytes), prefix);
    }
}
