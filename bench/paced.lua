-- replay.lua at a pace: about connections * 1000 / args[3] messages a second, whatever the server does with
-- them, as residents' messages arrive at WeChat, instead of as fast as the server answers. Each connection
-- waits a random time before each request, exponential with mean args[3] ms, so the messages arrive as
-- independent senders' do (a Poisson stream) rather than all connections at once on a shared beat.
dofile(os.getenv("BENCH_REPLAY_LUA"))

local replay_init = init

function init(args)
  replay_init(args)
  pause = tonumber(args[3])
  math.randomseed(os.time() * 100 + id)
end

function delay()
  return math.floor(-math.log(1 - math.random()) * pause)
end
