using System.Text.Json;

namespace Cpns.Benchmarks.Anchors;

/// <summary>One row of bench/anchors/mls-anchor.mjs's JSON: a remove commit in an MLS group of N members.</summary>
internal sealed record MlsResult(int Members, string Variant, double BuildWallMs, bool BuildReused, double CommitCpuMs, double ProcessCpuMs, int CommitBytes, int Repetitions)
{
    public double TotalCpuMs => CommitCpuMs + ProcessCpuMs;
}

/// <summary>The whole MLS run: what ran it and its rows (sizes skipped for time are left out, and listed).</summary>
internal sealed record MlsRun(string Library, string LibraryVersion, string Node, string CipherSuite, double WallSeconds, IReadOnlyList<MlsResult> Results, IReadOnlyList<MlsSkipped> Skipped)
{
    public static MlsRun? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var results = new List<MlsResult>();
        var skipped = new List<MlsSkipped>();
        foreach (var row in root.GetProperty("results").EnumerateArray())
        {
            var n = row.GetProperty("n").GetInt32();
            if (row.TryGetProperty("skipped", out var reason))
            {
                skipped.Add(new MlsSkipped(n, reason.GetString() ?? ""));
                continue;
            }

            var build = row.GetProperty("build");

            results.Add(new MlsResult(
                n,
                row.GetProperty("variant").GetString() ?? "",
                build.GetProperty("wallMs").GetDouble(),
                build.TryGetProperty("reused", out var reused) && reused.GetBoolean(),
                row.GetProperty("commitCpuMs").GetDouble(),
                row.GetProperty("processCpuMs").GetDouble(),
                row.GetProperty("commitBytes").GetInt32(),
                row.GetProperty("repetitions").GetInt32()));
        }

        return new MlsRun(
            root.GetProperty("library").GetString() ?? "ts-mls",
            root.GetProperty("libraryVersion").GetString() ?? "",
            root.GetProperty("node").GetString() ?? "",
            root.GetProperty("cipherSuite").GetString() ?? "",
            root.GetProperty("wallSeconds").GetDouble(),
            results,
            skipped);
    }

    public MlsResult? Find(int members, string variant) => Results.FirstOrDefault(r => r.Members == members && r.Variant == variant);
}

/// <summary>A group size the MLS run left out, and why.</summary>
internal sealed record MlsSkipped(int Members, string Reason);
