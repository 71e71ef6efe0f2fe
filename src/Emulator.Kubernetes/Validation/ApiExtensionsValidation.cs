using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Emulator.Kubernetes.CustomResources;

namespace Emulator.Kubernetes.Validation;

/// <summary>
/// Validation of <c>apiextensions.k8s.io/v1</c> CustomResourceDefinitions, with the API server's wording: the name is
/// <c>PLURAL.GROUP</c>, names are DNS labels, exactly one storage version, every version has a structural schema
/// (a type on every specified field, objects at the root, no metadata beyond name and generateName), printer columns
/// and scale paths are well formed.
/// </summary>
public static class ApiExtensionsValidation
{
    private static readonly string[] Scopes = ["Cluster", "Namespaced"];
    private static readonly string[] ColumnTypes = ["boolean", "date", "integer", "number", "string"];
    private static readonly string[] ConversionStrategies = ["None", "Webhook"];
    private static readonly string[] ListTypes = ["atomic", "map", "set"];
    private static readonly string[] SchemaTypes = ["array", "boolean", "integer", "number", "object", "string"];

    /// <summary>Validates a CRD being created.</summary>
    public static void ValidateCustomResourceDefinition(KubeObject crd, List<FieldError> errors)
    {
        var spec = crd.Spec ?? [];
        var group = JsonTree.AsString(spec["group"]) ?? "";
        var names = spec["names"] as JsonObject ?? [];
        var plural = JsonTree.AsString(names["plural"]) ?? "";
        if (crd.Name is { Length: > 0 } name && name != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }
        ValidateGroup(crd, group, errors);
        ValidateNames(names, "spec.names", errors);
        var scope = JsonTree.AsString(spec["scope"]);
        if (string.IsNullOrEmpty(scope))
        {
            errors.Add(FieldError.Required("spec.scope"));
        }
        else if (!Scopes.Contains(scope))
        {
            errors.Add(FieldError.NotSupported("spec.scope", scope, Scopes));
        }
        ValidateVersions(spec["versions"] as JsonArray ?? [], errors);
        if (JsonTree.GetString(spec, "conversion", "strategy") is { } strategy && !ConversionStrategies.Contains(strategy))
        {
            errors.Add(FieldError.NotSupported("spec.conversion.strategy", strategy, ConversionStrategies));
        }
        if (JsonTree.AsBool(spec["preserveUnknownFields"]) == true)
        {
            errors.Add(FieldError.Invalid("spec.preserveUnknownFields", JsonValue.Create(true), "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"));
        }
    }

    /// <summary>
    /// Validates a change to a CRD: the create rules, the group never changes, scope, kind and listKind stay once the
    /// CRD is established, and every stored version stays in <c>spec.versions</c>.
    /// </summary>
    public static void ValidateCustomResourceDefinitionUpdate(KubeObject updated, KubeObject old, List<FieldError> errors)
    {
        ValidateCustomResourceDefinition(updated, errors);
        MetadataValidation.Immutable(JsonTree.GetString(updated.Document, "spec", "group"), JsonTree.GetString(old.Document, "spec", "group"), "spec.group", errors);
        if (CustomResourceDefinition.ConditionStatus(old.Document, "Established") == "True")
        {
            MetadataValidation.Immutable(JsonTree.GetString(updated.Document, "spec", "scope"), JsonTree.GetString(old.Document, "spec", "scope"), "spec.scope", errors);
            MetadataValidation.Immutable(JsonTree.GetString(updated.Document, "spec", "names", "kind"), JsonTree.GetString(old.Document, "spec", "names", "kind"), "spec.names.kind", errors);
            MetadataValidation.Immutable(JsonTree.GetString(updated.Document, "spec", "names", "listKind"), JsonTree.GetString(old.Document, "spec", "names", "listKind"), "spec.names.listKind", errors);
        }
        var versions = (JsonTree.GetArray(updated.Document, "spec", "versions") ?? []).OfType<JsonObject>().Select(v => JsonTree.AsString(v["name"])).ToHashSet();
        var stored = JsonTree.GetArray(updated.Document, "status", "storedVersions") ?? [];
        for (var i = 0; i < stored.Count; i++)
        {
            if (JsonTree.AsString(stored[i]) is { } version && !versions.Contains(version))
            {
                errors.Add(FieldError.Invalid($"status.storedVersions[{i}]", version, "must appear in spec.versions"));
            }
        }
    }

    private static void ValidateGroup(KubeObject crd, string group, List<FieldError> errors)
    {
        if (group.Length == 0)
        {
            errors.Add(FieldError.Required("spec.group"));
            return;
        }
        foreach (var message in NameSyntax.IsDns1123Subdomain(group))
        {
            errors.Add(FieldError.Invalid("spec.group", group, message));
        }
        if (!group.Contains('.', StringComparison.Ordinal))
        {
            errors.Add(FieldError.Invalid("spec.group", group, "should be a domain with at least one dot"));
        }
        // Groups of the Kubernetes project need the API review's approval annotation.
        var protectedGroup = group is "k8s.io" or "kubernetes.io" || group.EndsWith(".k8s.io", StringComparison.Ordinal) || group.EndsWith(".kubernetes.io", StringComparison.Ordinal);
        if (protectedGroup && crd.Annotations.GetValueOrDefault("api-approved.kubernetes.io") is not { Length: > 0 })
        {
            errors.Add(FieldError.Required("metadata.annotations[api-approved.kubernetes.io]",
                "protected groups must have approval annotation \"api-approved.kubernetes.io\", see https://github.com/kubernetes/enhancements/pull/1111"));
        }
    }

    private static void ValidateNames(JsonObject names, string path, List<FieldError> errors)
    {
        var plural = JsonTree.AsString(names["plural"]) ?? "";
        var singular = JsonTree.AsString(names["singular"]) ?? "";
        var kind = JsonTree.AsString(names["kind"]) ?? "";
        var listKind = JsonTree.AsString(names["listKind"]) ?? "";
        Label(plural, $"{path}.plural", required: true, errors);
        Label(singular, $"{path}.singular", required: false, errors);
        var shortNames = names["shortNames"] as JsonArray ?? [];
        for (var i = 0; i < shortNames.Count; i++)
        {
            Label(JsonTree.AsString(shortNames[i]) ?? "", $"{path}.shortNames[{i}]", required: true, errors);
        }
        var categories = names["categories"] as JsonArray ?? [];
        for (var i = 0; i < categories.Count; i++)
        {
            Label(JsonTree.AsString(categories[i]) ?? "", $"{path}.categories[{i}]", required: true, errors);
        }
        MixedCaseLabel(kind, $"{path}.kind", errors);
        if (listKind.Length > 0)
        {
            MixedCaseLabel(listKind, $"{path}.listKind", errors);
            if (listKind == kind)
            {
                errors.Add(FieldError.Invalid($"{path}.listKind", listKind, "kind and listKind may not be the same"));
            }
        }
    }

    private static void Label(string value, string path, bool required, List<FieldError> errors)
    {
        if (value.Length == 0)
        {
            if (required)
            {
                errors.Add(FieldError.Required(path));
            }
            return;
        }
        var messages = NameSyntax.IsDns1035Label(value);
        if (messages.Count > 0)
        {
            errors.Add(FieldError.Invalid(path, value, string.Join(",", messages)));
        }
    }

    private static void MixedCaseLabel(string value, string path, List<FieldError> errors)
    {
        if (value.Length == 0)
        {
            errors.Add(FieldError.Required(path));
            return;
        }
        var messages = NameSyntax.IsDns1035Label(value.ToLowerInvariant());
        if (messages.Count > 0)
        {
            errors.Add(FieldError.Invalid(path, value, "may have mixed case, but should otherwise match: " + string.Join(",", messages)));
        }
    }

    private static void ValidateVersions(JsonArray versions, List<FieldError> errors)
    {
        if (versions.Count == 0)
        {
            errors.Add(FieldError.Required("spec.versions", "must have at least one version"));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        ValidateRuleCompilation(versions, errors);
        var storage = 0;
        var served = 0;
        // The v1 API's per-version schemas become the internal type's top-level spec.validation when they are all the
        // same (always with one version): that is where a 1.33 API server's errors point then.
        var shared = SharedSchema(versions);
        if (shared is not null)
        {
            ValidateSchema(shared, "spec.validation.openAPIV3Schema", root: true, errors);
        }
        for (var i = 0; i < versions.Count; i++)
        {
            var path = $"spec.versions[{i}]";
            if (versions[i] is not JsonObject version)
            {
                continue;
            }
            var name = JsonTree.AsString(version["name"]) ?? "";
            if (name.Length == 0)
            {
                errors.Add(FieldError.Required($"{path}.name"));
            }
            else
            {
                if (NameSyntax.IsDns1035Label(name) is { Count: > 0 } messages)
                {
                    errors.Add(FieldError.Invalid($"{path}.name", name, string.Join(",", messages)));
                }
                if (!seen.Add(name))
                {
                    errors.Add(FieldError.Invalid("spec.versions", versions, "must contain unique version names"));
                }
            }
            storage += JsonTree.AsBool(version["storage"]) == true ? 1 : 0;
            served += JsonTree.AsBool(version["served"]) == true ? 1 : 0;
            if (JsonTree.GetObject(version, "schema", "openAPIV3Schema") is { } schema)
            {
                if (shared is null)
                {
                    ValidateSchema(schema, $"{path}.schema.openAPIV3Schema", root: true, errors);
                }
            }
            else
            {
                errors.Add(FieldError.Required($"{path}.schema.openAPIV3Schema", "schemas are required"));
            }
            ValidateSubresources(version["subresources"] as JsonObject, $"{path}.subresources", errors);
            ValidateColumns(version["additionalPrinterColumns"] as JsonArray ?? [], $"{path}.additionalPrinterColumns", errors);
        }
        if (storage != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", versions, "must have exactly one version marked as storage version"));
        }
        if (served == 0)
        {
            errors.Add(FieldError.Invalid("spec.versions", versions, "must have at least one version marked as served"));
        }
    }

    private static void ValidateSubresources(JsonObject? subresources, string path, List<FieldError> errors)
    {
        if (subresources?["scale"] is not JsonObject scale)
        {
            return;
        }
        JsonPathUnder(scale, "specReplicasPath", $"{path}.scale", ".spec.", "should be a json path under .spec", required: true, errors);
        JsonPathUnder(scale, "statusReplicasPath", $"{path}.scale", ".status.", "should be a json path under .status", required: true, errors);
        if (JsonTree.AsString(scale["labelSelectorPath"]) is { } selector && !selector.StartsWith(".spec.", StringComparison.Ordinal) && !selector.StartsWith(".status.", StringComparison.Ordinal))
        {
            errors.Add(FieldError.Invalid($"{path}.scale.labelSelectorPath", selector, "should be a json path under either .spec or .status"));
        }
    }

    private static void JsonPathUnder(JsonObject owner, string field, string path, string prefix, string message, bool required, List<FieldError> errors)
    {
        var value = JsonTree.AsString(owner[field]);
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                errors.Add(FieldError.Required($"{path}.{field}"));
            }
            return;
        }
        if (!value.StartsWith(prefix, StringComparison.Ordinal) || !JsonPathExpression.TryParse(value, out _, out _))
        {
            errors.Add(FieldError.Invalid($"{path}.{field}", value, message));
        }
    }

    private static void ValidateColumns(JsonArray columns, string path, List<FieldError> errors)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i] is not JsonObject column)
            {
                continue;
            }
            var at = $"{path}[{i}]";
            if (string.IsNullOrEmpty(JsonTree.AsString(column["name"])))
            {
                errors.Add(FieldError.Required($"{at}.name"));
            }
            var type = JsonTree.AsString(column["type"]);
            if (string.IsNullOrEmpty(type))
            {
                errors.Add(FieldError.Required($"{at}.type"));
            }
            else if (!ColumnTypes.Contains(type))
            {
                errors.Add(FieldError.NotSupported($"{at}.type", type, ColumnTypes));
            }
            if (JsonTree.AsInt(column["priority"]) is < 0 and var priority)
            {
                errors.Add(FieldError.Invalid($"{at}.priority", priority, "must be greater than or equal to 0"));
            }
            var jsonPath = JsonTree.AsString(column["jsonPath"]);
            if (string.IsNullOrEmpty(jsonPath))
            {
                errors.Add(FieldError.Required($"{at}.jsonPath"));
            }
            else if (!JsonPathExpression.TryParse(jsonPath, out _, out var problem))
            {
                errors.Add(FieldError.Invalid($"{at}.jsonPath", jsonPath, $"invalid JSONPath: {problem}"));
            }
        }
    }

    /// <summary>
    /// The structural-schema rules: a type on every node that specifies fields (unless it preserves unknown fields or
    /// is int-or-string), an object at the root, properties and additionalProperties exclusive, items on arrays, valid
    /// patterns and list types, and a root <c>metadata</c> that says nothing beyond name and generateName.
    /// </summary>
    private static void ValidateSchema(JsonObject schema, string path, bool root, List<FieldError> errors)
    {
        var type = JsonTree.AsString(schema["type"]);
        var intOrString = JsonTree.AsBool(schema["x-kubernetes-int-or-string"]) == true;
        if (root)
        {
            if (string.IsNullOrEmpty(type))
            {
                errors.Add(FieldError.Required($"{path}.type", "must not be empty at the root"));
            }
            else if (type != "object")
            {
                errors.Add(FieldError.Invalid($"{path}.type", type, "must be object at the root"));
            }
            if (schema["properties"]?["metadata"] is JsonObject metadata && metadata.Any(p => p.Key is not ("type" or "properties" or "description"))
                || (schema["properties"]?["metadata"]?["properties"] is JsonObject metaProps && metaProps.Any(p => p.Key is not ("name" or "generateName"))))
            {
                errors.Add(FieldError.Forbidden($"{path}.properties[metadata]", "must not specify anything other than name and generateName, but metadata is implicitly specified"));
            }
        }
        if (type is { Length: > 0 } && !SchemaTypes.Contains(type))
        {
            errors.Add(FieldError.NotSupported($"{path}.type", type, SchemaTypes));
        }
        if (intOrString && type is { Length: > 0 })
        {
            errors.Add(FieldError.Invalid($"{path}.type", type, "must be empty if x-kubernetes-int-or-string is true"));
        }
        if (schema["properties"] is JsonObject && schema["additionalProperties"] is JsonObject)
        {
            errors.Add(FieldError.Forbidden($"{path}.additionalProperties", "additionalProperties and properties are mutual exclusive"));
        }
        if (type == "array" && schema["items"] is null)
        {
            errors.Add(FieldError.Required($"{path}.items", "must be specified"));
        }
        if (JsonTree.AsString(schema["pattern"]) is { } pattern && !IsRegex(pattern))
        {
            errors.Add(FieldError.Invalid($"{path}.pattern", pattern, "must be a valid regular expression, but isn't"));
        }
        if (JsonTree.AsString(schema["x-kubernetes-list-type"]) is { } listType)
        {
            if (!ListTypes.Contains(listType))
            {
                errors.Add(FieldError.NotSupported($"{path}.x-kubernetes-list-type", listType, ListTypes));
            }
            else if (listType == "map" && schema["x-kubernetes-list-map-keys"] is not JsonArray { Count: > 0 })
            {
                errors.Add(FieldError.Required($"{path}.x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map"));
            }
        }
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (key, child) in properties)
            {
                if (child is JsonObject property)
                {
                    NodeType(property, $"{path}.properties[{key}]", "must not be empty for specified object fields", errors);
                    ValidateSchema(property, $"{path}.properties[{key}]", root: false, errors);
                }
            }
        }
        if (schema["additionalProperties"] is JsonObject additional)
        {
            NodeType(additional, $"{path}.additionalProperties", "must not be empty for specified object fields", errors);
            ValidateSchema(additional, $"{path}.additionalProperties", root: false, errors);
        }
        if (schema["items"] is JsonObject items)
        {
            NodeType(items, $"{path}.items", "must not be empty for specified array items", errors);
            ValidateSchema(items, $"{path}.items", root: false, errors);
        }
        else if (schema["items"] is JsonArray)
        {
            errors.Add(FieldError.Forbidden($"{path}.items", "items must be a schema object and not an array"));
        }
    }

    /// <summary>
    /// Every <c>x-kubernetes-validations</c> rule must compile (Kubernetes' CEL libraries included): the API server refuses
    /// the CRD with <c>compilation failed: ...</c>. Its internal version holds one <c>spec.validation</c> when every version
    /// has the same schema, which is where the error points then.
    /// </summary>
    private static void ValidateRuleCompilation(JsonArray versions, List<FieldError> errors)
    {
        if (SharedSchema(versions) is { } shared)
        {
            ValidateRules(shared, "spec.validation.openAPIV3Schema", errors);
            return;
        }
        var schemas = versions.Select(v => JsonTree.GetObject(v as JsonObject ?? [], "schema", "openAPIV3Schema")).ToArray();
        for (var i = 0; i < schemas.Length; i++)
        {
            if (schemas[i] is { } schema)
            {
                ValidateRules(schema, $"spec.versions[{i}].schema.openAPIV3Schema", errors);
            }
        }
    }

    /// <summary>The schema every version has, when they all have the same one (null otherwise, or when one has none).</summary>
    private static JsonObject? SharedSchema(JsonArray versions)
    {
        var schemas = versions.Select(v => JsonTree.GetObject(v as JsonObject ?? [], "schema", "openAPIV3Schema")).ToArray();
        return schemas.Length > 0 && schemas[0] is { } first && schemas.All(s => JsonNode.DeepEquals(s, first)) ? first : null;
    }

    private static void ValidateRules(JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["x-kubernetes-validations"] is JsonArray rules)
        {
            for (var i = 0; i < rules.Count; i++)
            {
                if (rules[i] is JsonObject source && ValidationRule.Parse(source) is { IsRefused: true, CompileError: { } error })
                {
                    errors.Add(FieldError.InvalidWithoutValue($"{path}.x-kubernetes-validations[{i}].rule",
                        $"{GoValidationRule(source)}: compilation failed: {error}"));
                }
            }
        }
        foreach (var (key, child) in schema["properties"] as JsonObject ?? [])
        {
            if (child is JsonObject property)
            {
                ValidateRules(property, $"{path}.properties[{key}]", errors);
            }
        }
        if (schema["additionalProperties"] is JsonObject additional)
        {
            ValidateRules(additional, $"{path}.additionalProperties", errors);
        }
        if (schema["items"] is JsonObject items)
        {
            ValidateRules(items, $"{path}.items", errors);
        }
    }

    /// <summary>The rule as the API server prints the offending value (Go's <c>%#v</c> of apiextensions.ValidationRule).</summary>
    private static string GoValidationRule(JsonObject rule)
    {
        static string Quote(JsonNode? node) => "\"" + (JsonTree.AsString(node) ?? "").Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
        var reason = JsonTree.AsString(rule["reason"]) is null ? "(*apiextensions.FieldValueErrorReason)(nil)" : "(*apiextensions.FieldValueErrorReason)(0xc000a1c010)";
        var optionalOldSelf = JsonTree.AsBool(rule["optionalOldSelf"]) is null ? "(*bool)(nil)" : "(*bool)(0xc000a1c018)";
        return $"apiextensions.ValidationRule{{Rule:{Quote(rule["rule"])}, Message:{Quote(rule["message"])}, MessageExpression:{Quote(rule["messageExpression"])}, "
            + $"Reason:{reason}, FieldPath:{Quote(rule["fieldPath"])}, OptionalOldSelf:{optionalOldSelf}}}";
    }

    private static void NodeType(JsonObject schema, string path, string message, List<FieldError> errors)
    {
        var preserves = JsonTree.AsBool(schema["x-kubernetes-preserve-unknown-fields"]) == true;
        var intOrString = JsonTree.AsBool(schema["x-kubernetes-int-or-string"]) == true;
        if (string.IsNullOrEmpty(JsonTree.AsString(schema["type"])) && !preserves && !intOrString)
        {
            errors.Add(FieldError.Required($"{path}.type", message));
        }
    }

    private static bool IsRegex(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
