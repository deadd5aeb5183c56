using System.Reflection;

namespace Cpns.Load.Server;

/// <summary>How to start the <c>cpns</c> executable: the file to run and the arguments that come before <c>server ...</c>.</summary>
internal sealed record ServerLauncher(string FileName, IReadOnlyList<string> PrefixArguments)
{
    /// <summary>
    /// The executable this process runs from: the <c>cpns</c> apphost, or <c>dotnet cpns.dll</c> when started through
    /// the muxer (<c>dotnet run</c>, <c>dotnet cpns.dll</c>).
    /// </summary>
    public static ServerLauncher ForCurrentProcess()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        if (Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            var entry = Assembly.GetEntryAssembly()?.Location;
            if (string.IsNullOrEmpty(entry))
            {
                throw new InvalidOperationException("The entry assembly is unknown.");
            }

            return new ServerLauncher(process, [entry]);
        }

        return new ServerLauncher(process, []);
    }

    /// <summary>Runs <c>cpns.dll</c> at <paramref name="path"/> (a .dll through the dotnet muxer, anything else directly).</summary>
    public static ServerLauncher ForPath(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ServerLauncher("dotnet", [Path.GetFullPath(path)])
            : new ServerLauncher(Path.GetFullPath(path), []);
}
