import { useId } from 'react';

interface SparklineProps {
  /** The samples, oldest first. */
  values: readonly number[];
  /** The top of the scale; the largest sample when omitted. */
  max?: number;
  /** What the line shows, for screen readers (the current value is in the text next to it). */
  label: string;
  color: string;
  width?: number;
  height?: number;
}

/** A small SVG line with a soft fill: the trend at a glance, the number beside it says the rest. */
export function Sparkline({ values, max, label, color, width = 160, height = 40 }: SparklineProps) {
  const gradientId = useId();
  const top = Math.max(max ?? 0, ...values, Number.EPSILON);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, index) => {
    const x = values.length > 1 ? index * step : width;
    const y = height - 2 - (Math.min(value, top) / top) * (height - 4);
    return [x, y] as const;
  });
  const line = points.map(([x, y], index) => `${index === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const area = points.length > 1 ? `${line} L${width},${height} L0,${height} Z` : '';
  return (
    <svg className="sparkline" role="img" aria-label={label} width={width} height={height} viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none">
      <defs>
        <linearGradient id={gradientId} x1="0" x2="0" y1="0" y2="1">
          <stop offset="0%" stopColor={color} stopOpacity="0.28" />
          <stop offset="100%" stopColor={color} stopOpacity="0" />
        </linearGradient>
      </defs>
      {area && <path d={area} fill={`url(#${gradientId})`} />}
      {points.length > 1 && <path d={line} fill="none" stroke={color} strokeWidth="1.75" strokeLinejoin="round" strokeLinecap="round" vectorEffect="non-scaling-stroke" />}
      {points.length === 1 && points[0] && <circle cx={points[0][0] - 2} cy={points[0][1]} r="2" fill={color} />}
    </svg>
  );
}
