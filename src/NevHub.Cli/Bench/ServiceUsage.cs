using System.Globalization;

namespace NevHub.Cli.Bench;

/// <summary>
/// CPU time and resident memory of the services the cluster uses on this machine (PostgreSQL's processes, RabbitMQ's Erlang VM),
/// summed over every process whose name matches, from /proc (Linux). Elsewhere, or for processes it may not read, it reports zero.
/// </summary>
internal sealed record ServiceUsage(string Service, double CpuSeconds, double ResidentMiB)
{
    /// <summary>Linux clock ticks per second for /proc/[pid]/stat (USER_HZ, 100 on every mainstream kernel build).</summary>
    private const double TicksPerSecond = 100;

    public static ServiceUsage Of(string service, params string[] processNames)
    {
        double ticks = 0;
        double residentKiB = 0;
        if (!Directory.Exists("/proc"))
        {
            return new ServiceUsage(service, 0, 0);
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // "pid (comm) state ppid ...": the name may contain spaces, so split after the last ')'.
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var name = stat[(open + 1)..close];
                if (!processNames.Contains(name, StringComparer.Ordinal))
                {
                    continue;
                }

                var fields = stat[(close + 2)..].Split(' ');
                ticks += double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime
                residentKiB += ResidentKiB(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // The process ended while being read, or is not readable: it does not count.
            }
        }

        return new ServiceUsage(service, ticks / TicksPerSecond, residentKiB / 1024);
    }

    /// <summary>
    /// The process's proportional share of resident memory (PSS: shared pages divided among their users, so PostgreSQL's shared
    /// buffers count once across its processes), or its RSS where smaps_rollup is not readable (another user's process, not root).
    /// </summary>
    private static double ResidentKiB(string directory)
    {
        string? line = null;
        try
        {
            line = File.ReadLines(Path.Combine(directory, "smaps_rollup")).FirstOrDefault(l => l.StartsWith("Pss:", StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        line ??= File.ReadLines(Path.Combine(directory, "status")).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>The load average of the machine (1, 5, 15 minutes) as /proc/loadavg says it, or "unknown".</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
