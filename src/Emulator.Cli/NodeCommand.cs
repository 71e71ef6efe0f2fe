using System.CommandLine;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator node [HOST:PORT] list|stop NAME|start NAME</c>: an alias of <c>emulator pbm [HOST:PORT] node ...</c>,
/// the console's node palette of a running emulator process (the console of <c>emulator up</c> by default). Stopping a
/// node is a node failure as the control plane sees it: its heartbeats stop.
/// </summary>
public static class NodeCommand
{
    /// <summary>The command as the root command lists it; <see cref="RunAsync"/> does the work (its words go to <c>pbm</c> untouched).</summary>
    public static Command Create()
    {
        var words = new Argument<string[]>("words") { Description = "[HOST:PORT] list | stop NAME | start NAME (the console's node palette)", Arity = ArgumentArity.ZeroOrMore };
        return new Command("node", "Stop, start or list the emulated nodes of a running process (alias of emulator pbm node)") { words };
    }

    /// <summary>Runs <c>emulator pbm [HOST:PORT] node WORDS...</c>.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> words) => PbmCommand.RunAsync(PbmWords(words));

    /// <summary>The <c>pbm</c> words for <c>node WORDS</c>: a console address stays first, the palette's name follows it.</summary>
    internal static List<string> PbmWords(IReadOnlyList<string> words) =>
        words.Count > 0 && PbmCommand.IsTarget(words[0]) ? [words[0], "node", .. words.Skip(1)] : ["node", .. words];
}
