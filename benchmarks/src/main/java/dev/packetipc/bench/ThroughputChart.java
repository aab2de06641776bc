package dev.packetipc.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws throughput (GB/s, log scale) against payload size (log scale), one line per contender, for one batch size
 * and one client, as a PNG with XChart (headless).
 */
final class ThroughputChart {
    private ThroughputChart() {}

    /**
     * Writes the chart; the batch is the largest measured with one client.
     *
     * @return false if no row fits (nothing is written)
     */
    static boolean write(Path file, List<Result> results) throws IOException {
        int batch = results.stream()
                .filter(r ->
                        r.ok() && r.workload().isThroughput() && r.workload().clients() == 1)
                .mapToInt(r -> r.workload().batch())
                .max()
                .orElse(0);
        if (batch == 0) {
            return false;
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Result r : results) {
            Workload w = r.workload();
            if (r.ok()
                    && w.isThroughput()
                    && w.clients() == 1
                    && w.batch() == batch
                    && w.payloadBytes() != Workload.IMIX) {
                series.computeIfAbsent(r.contender().label(), k -> new ArrayList<>())
                        .add(new double[] {w.payloadBytes(), r.bytesPerSecond() / 1e9});
            }
        }
        XYChart chart = new XYChartBuilder()
                .width(1000)
                .height(560)
                .title("Throughput by payload size (batch " + batch + ", 1 client)")
                .xAxisTitle("payload bytes per packet")
                .yAxisTitle("GB/s of payload")
                .build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
            List<double[]> points = entry.getValue();
            points.sort((a, b) -> Double.compare(a[0], b[0]));
            double[] x = new double[points.size()];
            double[] y = new double[points.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = points.get(i)[0];
                y[i] = Math.max(points.get(i)[1], 1e-6);
            }
            chart.addSeries(entry.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        if (!ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
        return true;
    }
}
