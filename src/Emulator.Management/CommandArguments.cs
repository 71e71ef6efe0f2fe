using System.Globalization;

namespace Emulator.Management;

/// <summary>
/// The words after a command's name: positional arguments and <c>--name value</c> options. A command takes what it
/// knows and calls <see cref="Done"/>; anything left over is a usage error, so a typo never passes silently.
/// </summary>
public sealed class CommandArguments
{
    private readonly List<string> _positional = [];
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    /// <summary>Splits <paramref name="words"/>; <paramref name="flags"/> are the options that take no value.</summary>
    public CommandArguments(IEnumerable<string> words, params string[] flags)
    {
        var list = words.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var word = list[i];
            if (word.StartsWith('-') && word.Length > 1 && !double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                var equals = word.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    _options[word[..equals]] = word[(equals + 1)..];
                }
                else if (flags.Contains(word) || i + 1 >= list.Count)
                {
                    _options[word] = null;
                }
                else
                {
                    _options[word] = list[++i];
                }
            }
            else
            {
                _positional.Add(word);
            }
        }
    }

    /// <summary>How many positional arguments remain.</summary>
    public int Count => _positional.Count;

    /// <summary>Takes the next positional argument, or fails naming <paramref name="what"/>.</summary>
    public string Next(string what)
    {
        if (_positional.Count == 0)
        {
            throw new ConsoleUsageException($"missing {what}");
        }
        var next = _positional[0];
        _positional.RemoveAt(0);
        return next;
    }

    /// <summary>Takes the next positional argument when there is one.</summary>
    public string? NextOrDefault() => _positional.Count == 0 ? null : Next("");

    /// <summary>Takes an option's value (under any of its <paramref name="names"/>), or null when absent.</summary>
    public string? Option(params string[] names)
    {
        foreach (var name in names)
        {
            if (_options.Remove(name, out var value))
            {
                return value ?? throw new ConsoleUsageException($"option {name} needs a value");
            }
        }
        return null;
    }

    /// <summary>Takes a flag: true when given.</summary>
    public bool Flag(string name) => _options.Remove(name);

    /// <summary>Takes a whole-number option within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long? Number(string name, long min, long max)
    {
        if (Option(name) is not { } text)
        {
            return null;
        }
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ConsoleUsageException($"{name} must be a whole number from {min} to {max}, got \"{text}\"");
        }
        return value;
    }

    /// <summary>Fails when anything was not taken.</summary>
    public void Done()
    {
        if (_options.Count > 0)
        {
            throw new ConsoleUsageException($"unknown option {_options.Keys.First()}");
        }
        if (_positional.Count > 0)
        {
            throw new ConsoleUsageException($"unexpected argument \"{_positional[0]}\"");
        }
    }
}
