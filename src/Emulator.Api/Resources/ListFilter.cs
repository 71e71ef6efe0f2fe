using Emulator.ControlPlane.Store;
using Emulator.Kubernetes.Selectors;

namespace Emulator.Api.Resources;

/// <summary>Turns the <c>labelSelector</c> and <c>fieldSelector</c> query parameters into a selection the store evaluates.</summary>
public static class ListFilter
{
    /// <summary>The selection, or null when neither selector is given; bad syntax is a 400 BadRequest.</summary>
    public static ObjectSelector? Parse(string? labelSelector, string? fieldSelector)
    {
        var labels = string.IsNullOrWhiteSpace(labelSelector) ? null : labelSelector;
        var fields = string.IsNullOrWhiteSpace(fieldSelector) ? null : fieldSelector;
        if (labels is null && fields is null)
        {
            return null;
        }
        var selector = new ObjectSelector(labels, fields);
        try
        {
            // Parsed here as well as in the store: a selector that does not parse is the client's error (400), not an empty list.
            _ = selector.Compile();
        }
        catch (SelectorParseException e)
        {
            throw new ApiStatusException(ApiStatus.BadRequest(e.Message));
        }
        return selector;
    }
}
