using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Cpns.Cli.Demo;

/// <summary>
/// <c>cpns demo</c>: the whole system on embedded defaults, on loopback — a CPNS Server process (SQLite, its embedded
/// MQTT broker, TLS certificates made on first start), one PN Gateway process per PN, and the PNEs — walking the
/// documents' story and checking every step from the devices' own key stores. Exit code 0 only when every step passed.
/// </summary>
internal static class DemoCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,

        // Readable apostrophes and arrows in the details; the document is printed, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Command Create()
    {
        var pns = new Option<int>("--pns") { Description = "PNs, each with its own PN Gateway process (2 to 64).", DefaultValueFactory = _ => 3 };
        var pnesPerPn = new Option<int>("--pnes-per-pn") { Description = "PNEs paired to each PN Gateway (3 to 64).", DefaultValueFactory = _ => 4 };
        var groups = new Option<int>("--groups") { Description = "Service Groups, each spanning every PN (1 to 32).", DefaultValueFactory = _ => 2 };
        var rotateEvery = new Option<int>("--rotate-every") { Description = "Periodic rotation interval of every group, in seconds (1 to 3600).", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print one JSON summary (every step with pass/fail, epochs, deliveries, timings) instead of the live view." };
        var keep = new Option<bool>("--keep") { Description = "Leave the system running after the story (REST API, OpenAPI document); prints the URLs and the API key; Ctrl+C stops it." };
        var data = new Option<string?>("--data") { Description = "Folder for every process's data and logs (kept); default a new temporary folder, removed at the end unless --keep." };
        var deviceProcesses = new Option<bool>("--device-processes") { Description = "Run every PNE as its own `cpns device run` process instead of in the demo's process." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds any one start or wait of the story may take before its step fails.", DefaultValueFactory = _ => 90 };
        var demo = new Command("demo", "Run the whole system on loopback and walk the CPNS Group Key story: pairing (EU-Key), GKDK assignment, a Service Group across PNs, "
            + "delivery to members only, a member leaving, a compromised member, a periodic rotation, group messages, deletion.")
        {
            pns, pnesPerPn, groups, rotateEvery, json, keep, data, deviceProcesses, timeout,
        };
        demo.SetAction(async (parse, ct) =>
        {
            var error = Check(parse.GetValue(pns), 2, 64, "--pns") ?? Check(parse.GetValue(pnesPerPn), 3, 64, "--pnes-per-pn")
                ?? Check(parse.GetValue(groups), 1, 32, "--groups") ?? Check(parse.GetValue(rotateEvery), 1, 3600, "--rotate-every")
                ?? Check(parse.GetValue(timeout), 5, 3600, "--timeout");
            if (error is not null)
            {
                await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
                return 2;
            }

            var directory = parse.GetValue(data) is { } given ? Path.GetFullPath(given) : Path.Combine(Path.GetTempPath(), "cpns-demo-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(directory);
            var options = new DemoSystemOptions
            {
                DataDirectory = directory,
                Pns = parse.GetValue(pns),
                PnesPerPn = parse.GetValue(pnesPerPn),
                DeviceProcesses = parse.GetValue(deviceProcesses),
                Timeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
            };
            var removeAfter = parse.GetValue(data) is null && !parse.GetValue(keep);
            try
            {
                return await RunAsync(options, parse.GetValue(groups), parse.GetValue(rotateEvery), parse.GetValue(json), parse.GetValue(keep), !removeAfter, ct).ConfigureAwait(false);
            }
            finally
            {
                if (removeAfter)
                {
                    TryDelete(directory);
                }
            }
        });
        return demo;
    }

    private static async Task<int> RunAsync(DemoSystemOptions options, int groups, int rotateEvery, bool json, bool keep, bool dataKept, CancellationToken ct)
    {
        using var deviceLogs = new FileLoggerProvider(Path.Combine(options.DataDirectory, "logs", "devices.log"));
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(deviceLogs));
        var system = new DemoSystem(options, logs);
        await using (system.ConfigureAwait(false))
        {
            var story = new DemoStory(system, groups, rotateEvery);
            var clock = Stopwatch.StartNew();
            if (json)
            {
                await story.RunAsync(ct).ConfigureAwait(false);
            }
            else
            {
                await ShowAsync(story, ct).ConfigureAwait(false);
            }

            clock.Stop();
            if (json)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(Summary(story, clock.Elapsed, keep), Json)).ConfigureAwait(false);
            }
            else
            {
                var where = dataKept ? $" Logs of every process: {Markup.Escape(system.LogDirectory)}" : " (--data DIR keeps every process's logs.)";
                AnsiConsole.MarkupLine(story.Passed
                    ? $"[green]Every step passed[/] in {clock.Elapsed.TotalSeconds:F1} s.{where}"
                    : $"[red]The story failed.[/]{where}");
            }

            if (keep && system.Servers.Count > 0)
            {
                await KeepAsync(system, json, ct).ConfigureAwait(false);
            }

            return story.Passed ? 0 : 1;
        }
    }

    /// <summary>The live view on a terminal; one line per finished step otherwise (a log, CI).</summary>
    private static async Task ShowAsync(DemoStory story, CancellationToken ct)
    {
        var run = story.RunAsync(ct);
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            var frame = 0;
            await AnsiConsole.Live(new Text(string.Empty)).AutoClear(false).StartAsync(async context =>
            {
                while (!run.IsCompleted)
                {
                    context.UpdateTarget(await DemoView.RenderAsync(story, frame++, ct).ConfigureAwait(false));
                    await Task.WhenAny(run, Task.Delay(250, ct)).ConfigureAwait(false);
                }

                context.UpdateTarget(await DemoView.RenderAsync(story, frame, ct).ConfigureAwait(false));
            }).ConfigureAwait(false);
            await run.ConfigureAwait(false);
            return;
        }

        var printed = 0;
        while (true)
        {
            var done = run.IsCompleted;
            for (; printed < story.Steps.Count && story.Steps[printed].Passed is { } passed; printed++)
            {
                var step = story.Steps[printed];
                // Plain lines, not wrapped to a guessed width: this is a log.
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{(passed ? "PASS" : "FAIL")} {step.Name} ({step.DurationMs / 1000:F1} s): {step.Detail}")).ConfigureAwait(false);
            }

            if (done)
            {
                break;
            }

            await Task.WhenAny(run, Task.Delay(250, ct)).ConfigureAwait(false);
        }

        await run.ConfigureAwait(false);
        AnsiConsole.Write(await DemoView.StoresAsync(story, ct).ConfigureAwait(false));
    }

    private static async Task KeepAsync(DemoSystem system, bool json, CancellationToken ct)
    {
        var api = system.Servers[0].Api;
        var lines = new[]
        {
            $"REST API:   {api}",
            $"OpenAPI:    {new Uri(api, "openapi/v1.json")}  (interactive page: {new Uri(api, "swagger/")})",
            $"Health:     {new Uri(api, "readyz")}",
            $"API key:    {system.ApiKey}   (curl -H \"Authorization: Bearer {system.ApiKey}\" {new Uri(api, "groups")})",
            $"Data, logs: {system.Options.DataDirectory}",
            "The system keeps running; Ctrl+C stops every process.",
        };
        foreach (var line in lines)
        {
            // With --json, stdout carries only the JSON document.
            await (json ? Console.Error : Console.Out).WriteLineAsync(line).ConfigureAwait(false);
        }

        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: stop everything.
        }
    }

    private static object Summary(DemoStory story, TimeSpan elapsed, bool keep) => new
    {
        passed = story.Passed,
        steps = story.Steps.Select(s => new { name = s.Name, title = s.Title, passed = s.Passed == true, detail = s.Detail, durationMs = s.DurationMs, epoch = s.Epoch }),
        pns = story.System.Options.Pns,
        pnesPerPn = story.System.Options.PnesPerPn,
        groups = story.Groups.Select(g => new { name = g.Name, id = g.Id, finalEpoch = g.Epoch, members = g.Roles.Count, deleted = g.Deleted }),
        deliveries = new { acknowledged = story.Deliveries.Acknowledged, superseded = story.Deliveries.Superseded, total = story.Deliveries.Total },
        timings = new { totalMs = Math.Round(elapsed.TotalMilliseconds, 1), steps = story.Steps.ToDictionary(s => s.Name, s => s.DurationMs) },
        api = keep && story.System.Servers.Count > 0 ? story.System.Servers[0].Api.ToString() : null,
        dataDirectory = story.System.Options.DataDirectory,
    };

    private static string? Check(int value, int min, int max, string name) =>
        value < min || value > max ? string.Create(CultureInfo.InvariantCulture, $"{name} must be {min} to {max}.") : null;

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temporary folder left behind is not worth failing the demo for.
        }
    }
}
