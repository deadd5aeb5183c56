using System.CommandLine;
using Microsoft.Extensions.Configuration;

namespace Cpns.Cli.Configuration;

/// <summary>
/// Settings of the long-running roles through the .NET options pattern, in three layers, the later winning:
/// <c>appsettings.json</c> in the current folder (or the file of <c>--config</c>), environment variables
/// <c>CPNS_&lt;Section&gt;__&lt;Name&gt;</c>, and the options given on the command line.
/// </summary>
internal static class CliConfiguration
{
    /// <summary>The prefix of environment variables read as settings, e.g. <c>CPNS_Server__Database</c>.</summary>
    public const string EnvironmentPrefix = "CPNS_";

    public static Option<string?> ConfigOption() => new("--config")
    {
        Description = "JSON settings file; default appsettings.json in the current folder when it exists. Sections Server, Gateway, Device "
            + "(see docs/operations.md). Environment variables CPNS_<Section>__<Name> override the file; command-line options override both.",
    };

    /// <summary>Reads the file and the environment; a <c>--config</c> file that does not exist is an error, the default one is optional.</summary>
    /// <exception cref="FileNotFoundException">The <c>--config</c> file does not exist.</exception>
    public static IConfiguration Load(string? path)
    {
        var builder = new ConfigurationBuilder();
        if (path is not null)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"The settings file '{full}' does not exist.", full);
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        }

        return builder.AddEnvironmentVariables(EnvironmentPrefix).Build();
    }

    /// <summary>Calls <paramref name="apply"/> with the option's value only when the user typed the option, so that defaults never hide a setting from the file or the environment.</summary>
    public static void Override<T>(ParseResult parse, Option<T> option, Action<T> apply)
    {
        if (parse.GetResult(option) is { Implicit: false })
        {
            apply(parse.GetValue(option)!);
        }
    }

    /// <summary>
    /// The option's value from the command line when typed, else from the settings key named after it (<c>--pn-listen</c>
    /// reads <c>PnListen</c> of <paramref name="section"/>), else the option's default.
    /// </summary>
    public static T Value<T>(ParseResult parse, Option<T> option, IConfigurationSection section)
    {
        if (parse.GetResult(option) is { Implicit: false })
        {
            return parse.GetValue(option)!;
        }

        var key = KeyOf(option);
        var setting = section.GetSection(key);
        if (setting.Exists())
        {
            if (typeof(T) == typeof(string[]))
            {
                object values = setting.GetChildren().Select(c => c.Value).OfType<string>().DefaultIfEmpty(setting.Value).OfType<string>().ToArray();
                return (T)values;
            }

            try
            {
                return section.GetValue<T>(key)!;
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"The setting {section.Path}:{key} is not a valid value for {option.Name}.", e);
            }
        }

        return parse.GetValue(option)!;
    }

    /// <summary><c>--pn-listen</c> → <c>PnListen</c>.</summary>
    public static string KeyOf(Option option) =>
        string.Concat(option.Name.TrimStart('-').Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
