namespace Emulator.Kubernetes;

/// <summary>
/// Random name suffixes as Kubernetes makes them (<c>utilrand.String</c>): characters from an alphabet
/// without vowels and confusable digits, so generated names never spell words.
/// </summary>
public sealed class ObjectNames
{
    /// <summary>The alphabet of generated suffixes (<c>bcdfghjklmnpqrstvwxz2456789</c>).</summary>
    public const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>Length of the suffix added to <c>generateName</c>.</summary>
    public const int SuffixLength = 5;

    /// <summary>Longest <c>generateName</c> prefix kept (63 − 5), as the API server truncates it.</summary>
    public const int MaxPrefixLength = 58;

    private readonly Random _random;

    /// <summary>Creates a generator; pass a seeded <see cref="Random"/> for reproducible names.</summary>
    public ObjectNames(Random? random = null)
    {
        _random = random ?? Random.Shared;
    }

    /// <summary>A random string of <paramref name="length"/> characters from <see cref="Alphabet"/>.</summary>
    public string RandomSuffix(int length = SuffixLength)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[_random.Next(Alphabet.Length)];
        }
        return new string(chars);
    }

    /// <summary>The name for a <c>generateName</c> prefix: the prefix cut to 58 characters plus 5 random ones.</summary>
    public string FromGenerateName(string prefix) =>
        (prefix.Length > MaxPrefixLength ? prefix[..MaxPrefixLength] : prefix) + RandomSuffix();

    /// <summary>
    /// The name of an Event about an object: <c>&lt;object&gt;.&lt;Unix nanoseconds in hex&gt;</c>, as client-go's recorder makes it.
    /// </summary>
    public static string EventName(string objectName, DateTimeOffset time)
    {
        var nanos = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        return $"{objectName}.{nanos:x}";
    }

    /// <summary>
    /// Kubernetes' <c>rand.SafeEncodeString</c>: every character of <paramref name="text"/> is replaced by
    /// <c>Alphabet[c % 27]</c> (used to render hashes such as <c>pod-template-hash</c>).
    /// </summary>
    public static string SafeEncode(string text)
    {
        var chars = new char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = Alphabet[text[i] % Alphabet.Length];
        }
        return new string(chars);
    }
}
