namespace Cpns.Security.Tests.Support;

/// <summary>The meter names of the parts (src/*/Telemetry, Diagnostics).</summary>
internal static class Meters
{
    public const string Server = "Cpns.Server";
    public const string Gateway = "Cpns.Gateway";
    public const string Device = "Cpns.Device";
    public const string Transport = "Cpns.Transport";

    public static readonly string[] All = [Server, Gateway, Device, Transport];
}
