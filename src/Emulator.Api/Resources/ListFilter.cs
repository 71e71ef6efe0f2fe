using System.Text.Json.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Kubernetes.Selectors;

namespace Emulator.Api.Resources;

/// <summary>Turns the <c>labelSelector</c> and <c>fieldSelector</c> query parameters into a filter over stored objects.</summary>
public static class ListFilter
{
    /// <summary>The filter, or null when neither selector is given; bad syntax is a 400 BadRequest.</summary>
    public static Func<StoredObject, bool>? Parse(string? labelSelector, string? fieldSelector)
    {
        LabelSelector? labels;
        FieldSelector? fields;
        try
        {
            labels = string.IsNullOrWhiteSpace(labelSelector) ? null : LabelSelector.Parse(labelSelector);
            fields = string.IsNullOrWhiteSpace(fieldSelector) ? null : FieldSelector.Parse(fieldSelector);
        }
        catch (SelectorParseException e)
        {
            throw new ApiStatusException(ApiStatus.BadRequest(e.Message));
        }
        if (labels is null && fields is null)
        {
            return null;
        }
        // Labels are indexed by the store; fields need the object itself.
        return obj => (labels is null || labels.Matches(obj.Labels))
            && (fields is null || fields.Matches(new KubeObject(JsonNode.Parse(obj.Json)!.AsObject())));
    }
}
