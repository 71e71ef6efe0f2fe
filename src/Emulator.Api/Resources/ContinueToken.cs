using System.Text;
using System.Text.Json;
using Emulator.ControlPlane.Store;

namespace Emulator.Api.Resources;

/// <summary>
/// The opaque <c>continue</c> token of a paged list: the namespace and name of the last item returned (lists are
/// ordered by namespace, then name), base64-encoded JSON.
/// </summary>
public static class ContinueToken
{
    /// <summary>The token that continues after <paramref name="last"/>.</summary>
    public static string For(StoredObject last) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new[] { last.Namespace ?? "", last.Name }));

    /// <summary>Reads a token; null for none; a malformed token is a 400 BadRequest.</summary>
    public static (string Namespace, string Name)? Parse(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            var parts = JsonSerializer.Deserialize<string[]>(Encoding.UTF8.GetString(Convert.FromBase64String(token)));
            if (parts is { Length: 2 })
            {
                return (parts[0], parts[1]);
            }
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
        }
        throw new ApiStatusException(ApiStatus.BadRequest("continue key is not valid: the token is malformed"));
    }
}
