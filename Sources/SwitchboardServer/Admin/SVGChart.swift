import Foundation

/// A small bar chart as inline SVG, drawn on the server: the console needs no script or asset.
enum SVGChart {
    static func bars(_ values: [Double], width: Int = 300, height: Int = 80, label: (Double) -> String) -> String {
        let top = max(values.max() ?? 0, 0)
        let barWidth = Double(width) / Double(max(values.count, 1))
        var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(width)" height="\##(height + 14)" role="img">"##
        svg += ##"<rect width="\##(width)" height="\##(height)" fill="#f6f8fa"/>"##
        for (index, value) in values.enumerated() where value > 0 {
            let barHeight = top > 0 ? max(1, value / top * Double(height - 4)) : 0
            let x = Double(index) * barWidth
            svg += ##"<rect x="\##(format(x))" y="\##(format(Double(height) - barHeight))" width="\##(format(max(barWidth - 1, 1)))" height="\##(format(barHeight))" fill="#0969da"><title>\##(label(value))</title></rect>"##
        }
        svg += ##"<text x="0" y="\##(height + 12)" font-size="10" fill="#656d76">-60 min</text>"##
        svg += ##"<text x="\##(width)" y="\##(height + 12)" font-size="10" fill="#656d76" text-anchor="end">max \##(label(top))</text>"##
        return svg + "</svg>"
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
