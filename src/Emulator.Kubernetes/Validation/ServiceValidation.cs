using System.Net;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Validation;

/// <summary>Validation of Services (<c>ValidateService</c>, <c>ValidateServiceUpdate</c>).</summary>
public static class ServiceValidation
{
    /// <summary>Lowest NodePort of the default range.</summary>
    public const int NodePortMin = 30000;

    /// <summary>Highest NodePort of the default range.</summary>
    public const int NodePortMax = 32767;

    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

    /// <summary>Validates a Service spec.</summary>
    public static void Validate(KubeObject service, List<FieldError> errors)
    {
        var spec = service.Spec ?? new JsonObject();
        var type = JsonTree.GetString(spec, "type") ?? "";
        var clusterIP = JsonTree.GetString(spec, "clusterIP") ?? "";
        var headless = clusterIP == "None";
        var ports = spec["ports"] as JsonArray;
        if (type.Length == 0)
        {
            errors.Add(FieldError.Required("spec.type"));
        }
        else if (!Types.Contains(type))
        {
            errors.Add(FieldError.NotSupported("spec.type", type, Types));
        }
        if (type == "ExternalName")
        {
            var externalName = JsonTree.GetString(spec, "externalName") ?? "";
            if (externalName.Length == 0)
            {
                errors.Add(FieldError.Required("spec.externalName"));
            }
            else
            {
                foreach (var message in NameSyntax.IsDns1123Subdomain(externalName.TrimEnd('.')))
                {
                    errors.Add(FieldError.Invalid("spec.externalName", externalName, message));
                }
            }
        }
        else if ((ports is null || ports.Count == 0) && !headless)
        {
            errors.Add(FieldError.Required("spec.ports"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<(long, string)>();
        var i = 0;
        foreach (var port in JsonTree.Objects(ports))
        {
            var path = $"spec.ports[{i++}]";
            var name = JsonTree.GetString(port, "name") ?? "";
            if (ports!.Count > 1 && name.Length == 0)
            {
                errors.Add(FieldError.Required(path + ".name"));
            }
            else if (name.Length > 0)
            {
                foreach (var message in NameSyntax.IsDns1123Label(name))
                {
                    errors.Add(FieldError.Invalid(path + ".name", name, message));
                }
                if (!names.Add(name))
                {
                    errors.Add(FieldError.Duplicate(path + ".name", JsonValue.Create(name)));
                }
            }
            var number = JsonTree.GetInt(port, "port") ?? 0;
            foreach (var message in NameSyntax.IsValidPortNumber(number))
            {
                errors.Add(FieldError.Invalid(path + ".port", number, message));
            }
            PodSpecValidation.ValidateProtocol(port, path + ".protocol", errors);
            if (port["targetPort"] is { } target)
            {
                PodSpecValidation.ValidatePortNumberOrName(target, path + ".targetPort", errors);
            }
            var protocol = JsonTree.GetString(port, "protocol") ?? "";
            if (!keys.Add((number, protocol)))
            {
                errors.Add(FieldError.Duplicate(path, new JsonObject { ["port"] = number, ["protocol"] = protocol }));
            }
            if (JsonTree.GetInt(port, "nodePort") is { } nodePort and not 0)
            {
                if (type == "ClusterIP")
                {
                    errors.Add(FieldError.Forbidden(path + ".nodePort", "may not be used when `type` is 'ClusterIP'"));
                }
                else if (nodePort is < NodePortMin or > NodePortMax)
                {
                    errors.Add(FieldError.Invalid(path + ".nodePort", nodePort, $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}"));
                }
            }
        }

        var affinity = JsonTree.GetString(spec, "sessionAffinity") ?? "";
        if (affinity.Length == 0)
        {
            errors.Add(FieldError.Required("spec.sessionAffinity"));
        }
        else if (affinity is not ("ClientIP" or "None"))
        {
            errors.Add(FieldError.NotSupported("spec.sessionAffinity", affinity, ["ClientIP", "None"]));
        }
        if (clusterIP.Length > 0 && !headless && !IPAddress.TryParse(clusterIP, out _))
        {
            errors.Add(FieldError.Invalid("spec.clusterIPs[0]", clusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        }
        LabelValidation.ValidateLabels(spec["selector"], "spec.selector", errors);
        if (JsonTree.GetString(spec, "externalTrafficPolicy") is { } external)
        {
            if (external is not ("Cluster" or "Local"))
            {
                errors.Add(FieldError.NotSupported("spec.externalTrafficPolicy", external, ["Cluster", "Local"]));
            }
            else if (type is not ("NodePort" or "LoadBalancer") && (spec["externalIPs"] as JsonArray)?.Count is null or 0)
            {
                errors.Add(FieldError.Invalid("spec.externalTrafficPolicy", external, "may only be set for externally-accessible services"));
            }
        }
        if (JsonTree.GetString(spec, "internalTrafficPolicy") is { } internalPolicy && internalPolicy is not ("Cluster" or "Local"))
        {
            errors.Add(FieldError.NotSupported("spec.internalTrafficPolicy", internalPolicy, ["Cluster", "Local"]));
        }
        // 1.33 serves PreferSameZone and PreferSameNode only behind the alpha PreferSameTrafficDistribution gate.
        if (JsonTree.GetString(spec, "trafficDistribution") is { } distribution && distribution != "PreferClose")
        {
            errors.Add(FieldError.NotSupported("spec.trafficDistribution", distribution, ["PreferClose"]));
        }
    }

    /// <summary>Service updates: an allocated primary cluster IP may not change (unless to or from ExternalName).</summary>
    public static void ValidateUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        var oldType = JsonTree.GetString(old.Document, "spec", "type");
        var newType = JsonTree.GetString(updated.Document, "spec", "type");
        if (oldType == "ExternalName" || newType == "ExternalName")
        {
            return;
        }
        var oldIP = JsonTree.GetString(old.Document, "spec", "clusterIP") ?? "";
        var newIP = JsonTree.GetString(updated.Document, "spec", "clusterIP") ?? "";
        if (oldIP.Length > 0 && newIP.Length > 0 && oldIP != newIP)
        {
            var ips = JsonTree.Get(updated.Document, "spec", "clusterIPs")?.DeepClone() ?? new JsonArray(newIP);
            errors.Add(FieldError.Invalid("spec.clusterIPs[0]", ips, "may not change once set"));
        }
    }
}
